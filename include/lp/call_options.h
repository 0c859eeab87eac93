// CallOptions: per-call settings of a Courier client call.
#ifndef LP_CALL_OPTIONS_H_
#define LP_CALL_OPTIONS_H_

#include <algorithm>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace lp {

// The call's deadline is the earlier of `deadline` and "start of the call + timeout".
// By default there is none: like plain gRPC, a call waits as long as it takes (and, with
// wait_for_ready, for a server that never comes). The timeout is relative to each call,
// so one CallOptions with a timeout can be reused for many calls.
//
// The deadline covers everything: resolving the server address, waiting for the server
// to listen, and the call itself. When it passes, the call fails with DEADLINE_EXCEEDED.
struct CallOptions {
  absl::Duration timeout = absl::InfiniteDuration();
  absl::Time deadline = absl::InfiniteFuture();

  // Wait for the server to come up (gRPC wait-for-ready) instead of failing at once with
  // UNAVAILABLE when it is not (yet) listening. Nodes of a program start in any order.
  // A call still on its way when its server shut down, which the server never saw, is
  // retried by gRPC like one not yet sent: it too waits for a server (or its deadline).
  bool wait_for_ready = true;

  static CallOptions WithTimeout(absl::Duration timeout) {
    CallOptions options;
    options.timeout = timeout;
    return options;
  }
  static CallOptions WithDeadline(absl::Time deadline) {
    CallOptions options;
    options.deadline = deadline;
    return options;
  }

  // The absolute deadline of a call starting now.
  absl::Time EffectiveDeadline() const {
    if (timeout == absl::InfiniteDuration()) return deadline;
    return std::min(deadline, absl::Now() + timeout);
  }
};

}  // namespace lp

#endif  // LP_CALL_OPTIONS_H_
