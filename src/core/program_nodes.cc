#include "lp/internal/program_nodes.h"

namespace lp::internal {
namespace {

void Visit(const std::shared_ptr<NodeImpl>& node,
           const std::function<void(const std::shared_ptr<NodeImpl>&)>& visit) {
  visit(node);
  for (const auto& inner : node->InnerNodes()) Visit(inner, visit);
}

}  // namespace

void ForEachNode(const Program& program,
                 const std::function<void(const std::shared_ptr<NodeImpl>&)>& visit) {
  for (const Program::GroupNodes& group : program.Groups()) {
    for (const auto& node : group.nodes) Visit(node, visit);
  }
}

void AttachRuntime(const Program& program, const std::shared_ptr<Runtime>& runtime) {
  // One slot for every record of the program (NodeRecord); a moved-from program has none.
  if (program.runtime_ != nullptr) program.runtime_->Attach(runtime);
}

std::vector<NodeId> IdsOfNodeAndInner(const std::shared_ptr<NodeImpl>& node) {
  std::vector<NodeId> ids;
  Visit(node, [&](const std::shared_ptr<NodeImpl>& visited) {
    ids.push_back(visited->record()->id());
  });
  return ids;
}

std::shared_ptr<NodeImpl> FindAnyNode(const Program& program, const NodeId& id) {
  std::shared_ptr<NodeImpl> found;
  ForEachNode(program, [&](const std::shared_ptr<NodeImpl>& node) {
    if (found == nullptr && node->record()->id() == id) found = node;
  });
  return found;
}

}  // namespace lp::internal
