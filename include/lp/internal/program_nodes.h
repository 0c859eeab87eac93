#ifndef LP_INTERNAL_PROGRAM_NODES_H_
#define LP_INTERNAL_PROGRAM_NODES_H_

// Walking a program's nodes, inner nodes of colocations included.

#include <functional>
#include <memory>
#include <vector>

#include "lp/internal/node_impl.h"
#include "lp/program.h"

namespace lp::internal {

// Calls `visit` for every node: each top-level node, then (depth first) its inner nodes.
void ForEachNode(const Program& program, const std::function<void(const std::shared_ptr<NodeImpl>&)>& visit);

// Connects every handle of the program (inner nodes' included) to the launched runtime.
void AttachRuntime(const Program& program, const std::shared_ptr<Runtime>& runtime);

// The ids of `node` and of its inner nodes (depth first): what ends when it ends.
std::vector<NodeId> IdsOfNodeAndInner(const std::shared_ptr<NodeImpl>& node);

// The node `id`, top-level or inner, or nullptr.
std::shared_ptr<NodeImpl> FindAnyNode(const Program& program, const NodeId& id);

}  // namespace lp::internal

#endif  // LP_INTERNAL_PROGRAM_NODES_H_
