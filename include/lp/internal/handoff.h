// Handoff: where work goes that the current thread must not run.
#ifndef LP_INTERNAL_HANDOFF_H_
#define LP_INTERNAL_HANDOFF_H_

#include "absl/functional/any_invocable.h"

namespace lp::internal {

// A Courier server takes a small call of a deferred (batched) method at once, outside the
// bound of its handler threads (the call only needs decoding and parking in its batch).
// When that call makes a batch ready, the batch is user code, which may block, and must
// count as a handler: the server sets current_handoff while it takes the call, and the
// batch is posted through it to the server's handler threads' queue. Elsewhere
// current_handoff is null and such work runs where it was found (on a handler thread, a
// test's thread, the batcher's timer).
//
// Thread safety: Post may be called from any thread, concurrently.
class Handoff {
 public:
  using Work = absl::AnyInvocable<void() &&>;
  // Queues `work` for a thread that may run user code. False if it cannot (the server is
  // shutting down): `work` was destroyed without running.
  virtual bool Post(Work work) = 0;

 protected:
  ~Handoff() = default;
};

// Set by the server on the thread, for the time it takes one deferred call; null elsewhere.
inline thread_local Handoff* current_handoff = nullptr;

}  // namespace lp::internal

#endif  // LP_INTERNAL_HANDOFF_H_
