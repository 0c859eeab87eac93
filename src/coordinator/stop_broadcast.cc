#include "src/coordinator/stop_broadcast.h"

#include <utility>
#include <vector>

#include "lp/internal/deadline_wait.h"

namespace lp::internal {

StopBroadcast::StopBroadcast(std::vector<NodeId> start_after)
    : awaited_(start_after.begin(), start_after.end()) {}

bool StopBroadcast::Stop(std::string reason) {
  std::vector<StopWatcher*> told;
  {
    std::lock_guard lock(mu_);
    if (state_ == State::kStopped) return false;
    state_ = State::kStopped;
    reason_ = std::move(reason);
    told.assign(watchers_.begin(), watchers_.end());
    watchers_.clear();
    watchers_changed_.notify_all();
  }
  stopped_.Notify();
  // reason_ no longer changes once stopped, but copy it: watchers run outside the lock.
  const std::string why = this->reason();
  for (StopWatcher* watcher : told) watcher->ProgramStopped(why);
  return true;
}

void StopBroadcast::NodesEnded(std::vector<NodeId> nodes, std::string how) {
  std::lock_guard lock(mu_);
  if (state_ != State::kRunning) return;
  // Under the lock: a watcher leaves the set (and may be deleted) only under it.
  for (StopWatcher* watcher : watchers_) watcher->NodesEnded(nodes, how);
  ended_.emplace_back(std::move(nodes), std::move(how));
}

int StopBroadcast::RequestMetrics(std::uint64_t collection) {
  std::lock_guard lock(mu_);
  if (state_ != State::kRunning) return 0;
  // Under the lock: a watcher leaves the set (and may be deleted) only under it.
  for (StopWatcher* watcher : watchers_) watcher->MetricsRequested(collection);
  return static_cast<int>(watchers_.size());
}

void StopBroadcast::Watch(StopWatcher* watcher, const NodeId& node) {
  State state;
  std::string why;
  {
    std::lock_guard lock(mu_);
    state = state_;
    why = reason_;
    if (state == State::kRunning) {
      awaited_.erase(node);
      if (!started_ && awaited_.empty()) {
        started_ = true;
        for (StopWatcher* waiting : watchers_) waiting->Started();
      }
      if (started_) watcher->Started();
      for (const auto& [nodes, how] : ended_) watcher->NodesEnded(nodes, how);
      watchers_.insert(watcher);
      watchers_changed_.notify_all();
    }
  }
  if (state == State::kStopped) watcher->ProgramStopped(why);
  if (state == State::kClosed) watcher->CoordinatorClosing();
}

bool StopBroadcast::Forget(StopWatcher* watcher) {
  std::lock_guard lock(mu_);
  if (watchers_.erase(watcher) == 0) return false;
  watchers_changed_.notify_all();
  return true;
}

void StopBroadcast::Close() {
  std::vector<StopWatcher*> told;
  {
    std::lock_guard lock(mu_);
    if (state_ != State::kRunning) return;
    state_ = State::kClosed;
    told.assign(watchers_.begin(), watchers_.end());
    watchers_.clear();
    watchers_changed_.notify_all();
  }
  for (StopWatcher* watcher : told) watcher->CoordinatorClosing();
}

bool StopBroadcast::started() const {
  std::lock_guard lock(mu_);
  return started_;
}

std::string StopBroadcast::reason() const {
  std::lock_guard lock(mu_);
  return reason_;
}

int StopBroadcast::watchers() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(watchers_.size());
}

bool StopBroadcast::AwaitWatchers(int count, absl::Time deadline) const {
  std::unique_lock lock(mu_);
  auto reached = [this, count] { return static_cast<int>(watchers_.size()) == count; };
  return WaitUntil(watchers_changed_, lock, deadline, reached);
}

}  // namespace lp::internal
