#include "src/launch/argument_transfer.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "lp/internal/program_nodes.h"
#include "src/coordinator/wire.h"

namespace lp::internal {
namespace {

// EncodedArgument::Kind and the proto's Argument::Kind name the same four cases.
coordinator::Argument::Kind KindToProto(EncodedArgument::Kind kind) {
  switch (kind) {
    case EncodedArgument::Kind::kUnchecked:
      return coordinator::Argument::UNCHECKED;
    case EncodedArgument::Kind::kHandle:
      return coordinator::Argument::HANDLE;
    case EncodedArgument::Kind::kValue:
      return coordinator::Argument::VALUE;
    case EncodedArgument::Kind::kPrinted:
      return coordinator::Argument::PRINTED;
  }
  return coordinator::Argument::UNCHECKED;
}

EncodedArgument::Kind KindFromProto(coordinator::Argument::Kind kind) {
  switch (kind) {
    case coordinator::Argument::HANDLE:
      return EncodedArgument::Kind::kHandle;
    case coordinator::Argument::VALUE:
      return EncodedArgument::Kind::kValue;
    case coordinator::Argument::PRINTED:
      return EncodedArgument::Kind::kPrinted;
    default:
      return EncodedArgument::Kind::kUnchecked;
  }
}

coordinator::NodeArguments Encode(const NodeImpl& node) {
  coordinator::NodeArguments out;
  *out.mutable_node() = ToProto(node.record()->id());
  for (EncodedArgument& argument : node.EncodeArguments()) {
    coordinator::Argument* encoded = out.add_arguments();
    encoded->set_kind(KindToProto(argument.kind));
    encoded->set_type_name(std::move(argument.type_name));
    encoded->set_data(std::move(argument.data));
  }
  return out;
}

}  // namespace

absl::flat_hash_map<NodeId, std::vector<coordinator::NodeArguments>> EncodeProgramArguments(
    const Program& program) {
  absl::flat_hash_map<NodeId, coordinator::NodeArguments> own;
  ForEachNode(program, [&](const std::shared_ptr<NodeImpl>& node) {
    own.emplace(node->record()->id(), Encode(*node));
  });
  absl::flat_hash_map<NodeId, std::vector<coordinator::NodeArguments>> by_worker;
  ForEachNode(program, [&](const std::shared_ptr<NodeImpl>& node) {
    std::vector<coordinator::NodeArguments>& list = by_worker[node->record()->id()];
    for (const NodeId& id : IdsOfNodeAndInner(node)) list.push_back(own.at(id));
  });
  return by_worker;
}

absl::Status ApplyProgramArguments(const Program& program,
                                   const std::vector<coordinator::NodeArguments>& arguments) {
  for (const coordinator::NodeArguments& encoded : arguments) {
    const NodeId id = FromProto(encoded.node());
    std::shared_ptr<NodeImpl> node = FindAnyNode(program, id);
    if (node == nullptr) {
      return absl::NotFoundError(absl::StrCat("the launcher sent arguments for node ",
                                              id.ToString(), ", which this worker's program "
                                              "does not have"));
    }
    std::vector<EncodedArgument> launcher;
    launcher.reserve(encoded.arguments_size());
    for (const coordinator::Argument& argument : encoded.arguments()) {
      launcher.push_back({KindFromProto(argument.kind()), argument.type_name(), argument.data()});
    }
    if (absl::Status applied = node->ApplyArguments(launcher); !applied.ok()) {
      return absl::Status(applied.code(), absl::StrCat("node ", id.ToString(), " (",
                                                       node->TypeName(), "): ",
                                                       applied.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace lp::internal
