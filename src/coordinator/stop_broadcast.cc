#include "src/coordinator/stop_broadcast.h"

#include <utility>
#include <vector>

namespace lp::internal {

bool StopBroadcast::Stop(std::string reason) {
  std::vector<StopWatcher*> told;
  {
    absl::MutexLock lock(&mu_);
    if (state_ == State::kStopped) return false;
    state_ = State::kStopped;
    reason_ = std::move(reason);
    told.assign(watchers_.begin(), watchers_.end());
    watchers_.clear();
  }
  stopped_.Notify();
  // reason_ no longer changes once stopped, but copy it: watchers run outside the lock.
  const std::string why = this->reason();
  for (StopWatcher* watcher : told) watcher->ProgramStopped(why);
  return true;
}

void StopBroadcast::Watch(StopWatcher* watcher) {
  State state;
  std::string why;
  {
    absl::MutexLock lock(&mu_);
    state = state_;
    why = reason_;
    if (state == State::kRunning) watchers_.insert(watcher);
  }
  if (state == State::kStopped) watcher->ProgramStopped(why);
  if (state == State::kClosed) watcher->CoordinatorClosing();
}

bool StopBroadcast::Forget(StopWatcher* watcher) {
  absl::MutexLock lock(&mu_);
  return watchers_.erase(watcher) > 0;
}

void StopBroadcast::Close() {
  std::vector<StopWatcher*> told;
  {
    absl::MutexLock lock(&mu_);
    if (state_ != State::kRunning) return;
    state_ = State::kClosed;
    told.assign(watchers_.begin(), watchers_.end());
    watchers_.clear();
  }
  for (StopWatcher* watcher : told) watcher->CoordinatorClosing();
}

std::string StopBroadcast::reason() const {
  absl::MutexLock lock(&mu_);
  return reason_;
}

int StopBroadcast::watchers() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(watchers_.size());
}

bool StopBroadcast::AwaitWatchers(int count, absl::Time deadline) const {
  absl::MutexLock lock(&mu_);
  auto reached = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return static_cast<int>(watchers_.size()) == count;
  };
  return mu_.AwaitWithDeadline(absl::Condition(&reached), deadline);
}

}  // namespace lp::internal
