#include "src/core/run_node.h"

#include "src/core/current_runtime.h"

namespace lp::internal {

NodeOutcome RunNode(NodeImpl& node, std::shared_ptr<Runtime> runtime,
                    const NodeContext& context) {
  ScopedNodeThread as_node(runtime, &context);
  try {
    node.Run(*runtime, context);
    return {};
  } catch (...) {
    return NodeOutcome::FromCurrentException();
  }
}

}  // namespace lp::internal
