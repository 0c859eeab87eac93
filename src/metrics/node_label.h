#ifndef LP_SRC_METRICS_NODE_LABEL_H_
#define LP_SRC_METRICS_NODE_LABEL_H_

// Which node the calling thread runs, as the `node` label of Courier's metrics
// ("group/index"). Kept here rather than read from lp::CurrentNode() because the
// transport (lp_rpc) and the batcher sit below the program model; lp_core sets it for
// every node thread (ScopedNodeThread).

#include <string>

namespace lp::metrics {

// The label of code that runs on no node's thread: main(), a thread a node started
// itself, a CourierServer built outside any node.
inline constexpr char kNoNodeLabel[] = "main";

// The calling thread's node label: "group/index" on a node's thread, else kNoNodeLabel.
// The reference stays valid for the life of the process (labels are interned), so callers
// may key caches on its address.
const std::string& CurrentNodeLabel();

// For the lifetime of this object, the calling thread runs the node labelled `label`.
// Not shared between threads.
class ScopedNodeLabel {
 public:
  explicit ScopedNodeLabel(const std::string& label);
  ~ScopedNodeLabel();
  ScopedNodeLabel(const ScopedNodeLabel&) = delete;
  ScopedNodeLabel& operator=(const ScopedNodeLabel&) = delete;

 private:
  const std::string* const previous_;
};

}  // namespace lp::metrics

#endif  // LP_SRC_METRICS_NODE_LABEL_H_
