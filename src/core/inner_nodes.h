#ifndef LP_SRC_CORE_INNER_NODES_H_
#define LP_SRC_CORE_INNER_NODES_H_

#include <memory>
#include <vector>

#include "lp/internal/node_impl.h"

namespace lp::internal {

struct InnerRunOptions {
  // Return once the first inner node has ended (the others keep running on detached
  // threads until the program stops: threads cannot be cancelled).
  bool return_on_first_completed = false;
  // How many times, in total over all inner nodes, a failed inner node is run again.
  int num_retries_on_failure = 0;
};

// Runs `inner` as threads of the calling node, each with its own NodeContext, and returns
// when they have ended (see InnerRunOptions). An inner node that fails, retries used up,
// stops the program and makes this throw, naming the inner node.
void RunInnerNodesAsThreads(const Runtime& runtime, const NodeContext& outer,
                            const std::vector<std::shared_ptr<NodeImpl>>& inner,
                            InnerRunOptions options);

}  // namespace lp::internal

#endif  // LP_SRC_CORE_INNER_NODES_H_
