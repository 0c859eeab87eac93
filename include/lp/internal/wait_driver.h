// WaitDriver: what a thread waiting for a Future does meanwhile, so that the result it
// waits for can arrive on that thread itself.
#ifndef LP_INTERNAL_WAIT_DRIVER_H_
#define LP_INTERNAL_WAIT_DRIVER_H_

#include "absl/functional/function_ref.h"
#include "absl/time/time.h"

namespace lp::internal {

// A Courier call through a socket ends as an event on a completion queue of lp's
// (rpc::ClientQueue). A thread that sat on a condition variable until another thread
// polled that queue and ran the call's completion would be woken once per result, and the
// polling thread too: two context switches per call, the larger part of what a caller that
// waits for its Futures in turn used to pay per call. So a thread that waits for such a
// Future polls the queue itself, and runs the completions it takes, its own and others'.
//
// Thread safety: implementations are called by any number of threads at once.
class WaitDriver {
 public:
  // Works until `ready()` is true or `deadline` has passed, then returns `ready()`.
  // `ready` is called on this thread; it must be cheap and must not block.
  virtual bool WaitDriving(absl::Time deadline, absl::FunctionRef<bool()> ready) = 0;

 protected:
  ~WaitDriver() = default;
};

}  // namespace lp::internal

#endif  // LP_INTERNAL_WAIT_DRIVER_H_
