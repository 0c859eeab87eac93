#ifndef LP_SRC_CORE_STOP_STATE_H_
#define LP_SRC_CORE_STOP_STATE_H_

#include <functional>
#include <map>
#include <mutex>
#include <stop_token>

#include "absl/time/time.h"
#include "lp/event.h"
#include "lp/stop.h"

namespace lp::internal {

// The stop event of one launched program (or one worker process) and its stop handlers.
//
// Thread safety: every method may be called from any thread. Handlers run outside the
// lock, so a handler may itself call RequestStop() or register/unregister handlers.
class StopState {
 public:
  StopState() = default;
  StopState(const StopState&) = delete;
  StopState& operator=(const StopState&) = delete;

  // Sets the event, requests stop on the token and runs every registered handler once.
  // Returns true for the call that actually started the stop.
  bool RequestStop();

  bool IsStopping() const { return event_.HasBeenNotified(); }
  bool WaitFor(absl::Duration timeout) const { return event_.WaitFor(timeout); }
  const Event& event() const { return event_; }
  std::stop_token token() const { return source_.get_token(); }

  StopHandlerId Register(std::function<void()> handler);
  bool Unregister(StopHandlerId id);

 private:
  Event event_;
  std::stop_source source_;
  std::mutex mu_;
  // Guarded by mu_:
  bool stopping_ = false;
  StopHandlerId next_id_ = 1;
  std::map<StopHandlerId, std::function<void()>> handlers_;
};

}  // namespace lp::internal

#endif  // LP_SRC_CORE_STOP_STATE_H_
