#ifndef LP_SRC_CORE_CURRENT_RUNTIME_H_
#define LP_SRC_CORE_CURRENT_RUNTIME_H_

// Which program a thread belongs to. Node threads know it exactly (set for their whole
// life); any other thread sees the most recently launched program of the process.

#include <memory>

#include "lp/context.h"
#include "lp/internal/runtime.h"
#include "src/metrics/node_label.h"

namespace lp::internal {

// Makes `runtime` the program that threads without a node of their own act on.
void SetLatestRuntime(std::shared_ptr<Runtime> runtime);

// For the lifetime of this object, the calling thread is the node `context` of `runtime`
// (also for the Courier metrics it records: metrics::CurrentNodeLabel()).
class ScopedNodeThread {
 public:
  ScopedNodeThread(std::shared_ptr<Runtime> runtime, const NodeContext* context);
  ~ScopedNodeThread();
  ScopedNodeThread(const ScopedNodeThread&) = delete;
  ScopedNodeThread& operator=(const ScopedNodeThread&) = delete;

 private:
  std::shared_ptr<Runtime> previous_runtime_;
  const NodeContext* previous_context_;
  metrics::ScopedNodeLabel label_;
};

// CurrentRuntime(), or lp::NotLaunchedError naming `what` was called.
std::shared_ptr<Runtime> CurrentRuntimeOrThrow(const char* what);

}  // namespace lp::internal

#endif  // LP_SRC_CORE_CURRENT_RUNTIME_H_
