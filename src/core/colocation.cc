#include "lp/colocation.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lp/errors.h"
#include "src/core/inner_nodes.h"

namespace lp::internal {

std::vector<std::shared_ptr<NodeImpl>> ImplsOf(const std::vector<Node>& nodes) {
  std::vector<std::shared_ptr<NodeImpl>> impls;
  for (const Node& node : nodes) impls.push_back(node.impl());
  return impls;
}

ColocationImpl::ColocationImpl(std::vector<std::shared_ptr<NodeImpl>> inner)
    : inner_(std::move(inner)) {
  if (inner_.empty()) throw ProgramError("a colocation needs at least one node");
}

void ColocationImpl::set_record(std::shared_ptr<NodeRecord> record) {
  for (size_t i = 0; i < inner_.size(); ++i) {
    if (inner_[i]->record() != nullptr) {
      throw ProgramError(absl::StrCat(
          "program '", record->program_name(), "': node ", inner_[i]->record()->id().ToString(),
          " is also inside colocation ", record->id().ToString(),
          "; a node inside a colocation must not be added to the program itself"));
    }
  }
  for (size_t i = 0; i < inner_.size(); ++i) {
    inner_[i]->set_record(std::make_shared<NodeRecord>(
        record->program_name(), NodeId{record->id().ToString(), static_cast<int>(i)},
        record->runtime_slot()));
  }
  NodeImpl::set_record(std::move(record));
}

std::string ColocationImpl::InnerTypeNames() const {
  std::vector<std::string> names;
  for (const auto& node : inner_) names.push_back(node->TypeName());
  return absl::StrCat("[", absl::StrJoin(names, ", "), "]");
}

void ThreadColocationImpl::Run(const Runtime& runtime, const NodeContext& context) {
  RunInnerNodesAsThreads(runtime, context, inner_,
                         {.return_on_first_completed = return_on_first_completed_});
}

}  // namespace lp::internal
