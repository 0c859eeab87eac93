#include "src/launch/topology.h"

#include "absl/strings/str_cat.h"
#include "lp/internal/program_nodes.h"
#include "src/coordinator/fingerprint.h"

namespace lp::internal {

std::vector<NodeId> TopLevelNodes(const Program& program) {
  std::vector<NodeId> nodes;
  for (const Program::GroupNodes& group : program.Groups()) {
    for (const auto& node : group.nodes) nodes.push_back(node->record()->id());
  }
  return nodes;
}

std::set<std::string> TopLevelNodeNames(const Program& program) {
  std::set<std::string> names;
  for (const NodeId& id : TopLevelNodes(program)) names.insert(id.ToString());
  return names;
}

std::vector<NodeId> AllNodes(const Program& program) {
  std::vector<NodeId> nodes;
  ForEachNode(program, [&](const std::shared_ptr<NodeImpl>& node) {
    nodes.push_back(node->record()->id());
  });
  return nodes;
}

std::string ProgramFingerprint(const Program& program) {
  std::vector<TopologyNode> nodes;
  for (const Program::GroupNodes& group : program.Groups()) {
    for (const auto& node : group.nodes) nodes.push_back({group.label, node->TypeName()});
  }
  return absl::StrCat("program=", program.name(), ";", MakeFingerprint(nodes));
}

}  // namespace lp::internal
