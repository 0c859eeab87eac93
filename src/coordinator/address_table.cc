#include "src/coordinator/address_table.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "lp/internal/deadline_wait.h"
#include "src/core/address_errors.h"

namespace lp::internal {

void AddressTable::Publish(const NodeId& node, std::string endpoint, std::string address) {
  std::vector<ResolveWaiter*> ready;
  {
    Key key(node, std::move(endpoint));
    std::lock_guard lock(mu_);
    if (auto it = waiters_.find(key); it != waiters_.end()) {
      ready.assign(it->second.begin(), it->second.end());
      for (ResolveWaiter* waiter : ready) waiting_for_.erase(waiter);
      waiters_.erase(it);
      waiting_changed_.notify_all();
    }
    addresses_.insert_or_assign(std::move(key), address);
  }
  // Outside the lock: a waiter finishes its RPC, which may re-enter the table.
  for (ResolveWaiter* waiter : ready) waiter->Resolved(address);
}

std::optional<absl::StatusOr<std::string>> AddressTable::ResolveOrWait(const NodeId& node,
                                                                       std::string endpoint,
                                                                       ResolveWaiter* waiter) {
  Key key(node, std::move(endpoint));
  std::lock_guard lock(mu_);
  if (auto it = addresses_.find(key); it != addresses_.end()) return it->second;
  if (closed_) return ProgramStoppingError(node);
  waiters_[key].insert(waiter);
  waiting_for_.emplace(waiter, std::move(key));
  waiting_changed_.notify_all();
  return std::nullopt;
}

bool AddressTable::Forget(ResolveWaiter* waiter) {
  std::lock_guard lock(mu_);
  auto it = waiting_for_.find(waiter);
  if (it == waiting_for_.end()) return false;
  auto waiters = waiters_.find(it->second);
  waiters->second.erase(waiter);
  if (waiters->second.empty()) waiters_.erase(waiters);
  waiting_for_.erase(it);
  waiting_changed_.notify_all();
  return true;
}

void AddressTable::Close() {
  std::vector<std::pair<ResolveWaiter*, NodeId>> abandoned;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    for (auto& [waiter, key] : waiting_for_) abandoned.emplace_back(waiter, key.first);
    waiting_for_.clear();
    waiters_.clear();
    waiting_changed_.notify_all();
  }
  for (auto& [waiter, node] : abandoned) waiter->Resolved(ProgramStoppingError(node));
}

size_t AddressTable::waiting() const {
  std::lock_guard lock(mu_);
  return waiting_for_.size();
}

bool AddressTable::AwaitWaiting(size_t count, absl::Time deadline) const {
  std::unique_lock lock(mu_);
  auto reached = [this, count] { return waiting_for_.size() == count; };
  return WaitUntil(waiting_changed_, lock, deadline, reached);
}

}  // namespace lp::internal
