#include "src/core/stop_state.h"

#include <utility>
#include <vector>

namespace lp::internal {

bool StopState::RequestStop() {
  std::map<StopHandlerId, std::function<void()>> to_run;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    stopping_ = true;
    // Taking the handlers out makes "at most once" structural: nobody can find them again.
    to_run.swap(handlers_);
  }
  // Waiters wake first, so a handler that blocks cannot delay the nodes' own shutdown.
  event_.Notify();
  source_.request_stop();
  for (auto& [id, handler] : to_run) handler();
  return true;
}

StopHandlerId StopState::Register(std::function<void()> handler) {
  StopHandlerId id;
  {
    std::lock_guard lock(mu_);
    id = next_id_++;
    if (!stopping_) {
      handlers_.emplace(id, std::move(handler));
      return id;
    }
  }
  // Registered after the stop began: the stop has already happened, so run it now.
  handler();
  return id;
}

bool StopState::Unregister(StopHandlerId id) {
  std::lock_guard lock(mu_);
  return handlers_.erase(id) > 0;
}

}  // namespace lp::internal
