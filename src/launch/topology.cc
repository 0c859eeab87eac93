#include "src/launch/topology.h"

#include "absl/strings/str_cat.h"
#include "src/coordinator/fingerprint.h"

namespace lp::internal {

std::vector<NodeId> AllNodes(const Program& program) {
  std::vector<NodeId> nodes;
  for (const Program::GroupNodes& group : program.Groups()) {
    for (const auto& node : group.nodes) nodes.push_back(node->record()->id());
  }
  return nodes;
}

std::shared_ptr<NodeImpl> FindNode(const Program& program, const NodeId& id) {
  const Program::GroupNodes* group = program.FindGroup(id.group);
  if (group == nullptr || id.index < 0 || id.index >= static_cast<int>(group->nodes.size())) {
    return nullptr;
  }
  return group->nodes[id.index];
}

std::string ProgramFingerprint(const Program& program) {
  std::vector<TopologyNode> nodes;
  for (const Program::GroupNodes& group : program.Groups()) {
    for (const auto& node : group.nodes) nodes.push_back({group.label, node->TypeName()});
  }
  return absl::StrCat("program=", program.name(), ";", MakeFingerprint(nodes));
}

}  // namespace lp::internal
