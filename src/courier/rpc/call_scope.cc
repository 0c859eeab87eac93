#include "src/courier/rpc/call_scope.h"

#include <utility>
#include <vector>

namespace lp {

absl::StatusOr<CallScope::CallId> CallScope::Enter(std::function<void()> cancel) {
  std::lock_guard lock(mu_);
  if (!reason_.ok()) return reason_;
  const CallId id = next_id_++;
  calls_.emplace(id, std::move(cancel));
  return id;
}

void CallScope::Leave(CallId id) {
  std::lock_guard lock(mu_);
  calls_.erase(id);
}

void CallScope::Cancel(absl::Status reason) {
  std::map<CallId, std::function<void()>> calls;
  {
    std::lock_guard lock(mu_);
    if (!reason_.ok() || reason.ok()) return;
    reason_ = std::move(reason);
    calls.swap(calls_);
  }
  for (auto& [id, cancel] : calls) cancel();
}

absl::Status CallScope::reason() const {
  std::lock_guard lock(mu_);
  return reason_;
}

absl::Status CallScope::Explain(absl::Status status) const {
  if (!absl::IsCancelled(status) && !absl::IsUnavailable(status)) return status;
  absl::Status why = reason();
  return why.ok() ? status : why;
}

std::shared_ptr<CallScope> CallScopes::ForTarget(const std::string& target) {
  std::shared_ptr<CallScope> scope;
  ReasonFor cancelled_all;
  {
    std::lock_guard lock(mu_);
    std::shared_ptr<CallScope>& slot = scopes_[target];
    if (slot != nullptr) return slot;
    slot = std::make_shared<CallScope>();
    scope = slot;
    cancelled_all = cancelled_all_;
  }
  if (cancelled_all) scope->Cancel(cancelled_all(target));
  return scope;
}

void CallScopes::Cancel(const std::string& target, absl::Status reason) {
  ForTarget(target)->Cancel(std::move(reason));
}

void CallScopes::CancelAll(ReasonFor reason_for) {
  std::vector<std::pair<std::string, std::shared_ptr<CallScope>>> scopes;
  {
    std::lock_guard lock(mu_);
    if (cancelled_all_) return;
    cancelled_all_ = reason_for;
    scopes.assign(scopes_.begin(), scopes_.end());
  }
  for (auto& [target, scope] : scopes) scope->Cancel(reason_for(target));
}

}  // namespace lp
