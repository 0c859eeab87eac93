#ifndef LP_STOP_H_
#define LP_STOP_H_

#include <cstdint>
#include <functional>
#include <stop_token>

#include "absl/time/time.h"
#include "lp/event.h"

// The termination API (DESIGN.md §4). Every function here may be called from any thread
// of a running program: a node's own thread or any thread it started. They act on the
// program running in this process (the most recently launched one when several ran one
// after another). Outside any launched program they throw lp::NotLaunchedError, except
// Stop(), which then does nothing.

namespace lp {

// Starts termination of the whole program: every node's stop event is set and the stop
// handlers run. Idempotent.
void Stop();

// Blocks until the program is stopping or `timeout` passed. Returns true once stopping.
bool WaitForStop(absl::Duration timeout = absl::InfiniteDuration());

// A token that reports stop_requested() once the program is stopping. Usable with
// std::stop_callback and std::condition_variable_any::wait(lock, token, pred).
std::stop_token StopToken();

// An event notified once the program is stopping.
const Event& StopEvent();

using StopHandlerId = std::int64_t;

// Registers `handler` to run once when the program starts stopping. A handler registered
// after the stop began runs at once, on the calling thread. Each handler runs at most once.
StopHandlerId RegisterStopHandler(std::function<void()> handler);

// Removes a handler that has not run yet. Returns false if it already ran (or is running)
// or was never registered.
bool UnregisterStopHandler(StopHandlerId id);

}  // namespace lp

#endif  // LP_STOP_H_
