#ifndef LP_SRC_CORE_RUN_NODE_H_
#define LP_SRC_CORE_RUN_NODE_H_

#include <memory>

#include "lp/context.h"
#include "lp/internal/node_impl.h"
#include "lp/internal/node_outcome.h"
#include "lp/internal/runtime.h"

namespace lp::internal {

// Runs `node` on the calling thread as the node `context` of `runtime` (lp::CurrentNode(),
// lp::Stop() and handles work inside it), and returns how it ended; never throws.
NodeOutcome RunNode(NodeImpl& node, std::shared_ptr<Runtime> runtime, const NodeContext& context);

}  // namespace lp::internal

#endif  // LP_SRC_CORE_RUN_NODE_H_
