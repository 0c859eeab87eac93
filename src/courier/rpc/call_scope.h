// CallScope and CallScopes: the calls a process has in flight to one server, so that they
// can all be ended at once — when the program stops, or when the server is known gone.
//
// A Courier call enters its scope before it is sent and leaves it when it completes. A
// scope that is cancelled cancels every call inside it (gRPC's TryCancel, through the
// callback the call entered with) and refuses every call that tries to enter later, with
// the reason it was given. Callers then see that reason instead of gRPC's bare CANCELLED.
#ifndef LP_SRC_COURIER_RPC_CALL_SCOPE_H_
#define LP_SRC_COURIER_RPC_CALL_SCOPE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace lp {

// Thread safety: every method may be called from any thread. The cancel callbacks run on
// the thread that cancels, outside the scope's lock (a cancelled gRPC call may complete
// inline and leave the scope from inside its callback).
class CallScope {
 public:
  using CallId = std::uint64_t;

  // Enters a call. `cancel` is run at most once, if the scope is cancelled while the call
  // is inside; it must stay safe to run until Leave() returns. Fails with the scope's
  // reason once it is cancelled.
  absl::StatusOr<CallId> Enter(std::function<void()> cancel);
  // The call is over; its cancel callback will not be run from now on (unless it is
  // already running).
  void Leave(CallId id);

  // Cancels every call inside and refuses later ones with `reason` (not OK). Only the
  // first reason counts.
  void Cancel(absl::Status reason);

  // OK while the scope is open; the reason it was cancelled with afterwards.
  absl::Status reason() const;

  // What a caller should see for a call that ended with `status`: the scope's reason when
  // the scope was cancelled and the call ended the way a cancelled or refused call does
  // (CANCELLED, UNAVAILABLE); `status` itself otherwise.
  absl::Status Explain(absl::Status status) const;

 private:
  mutable std::mutex mu_;
  // Guarded by mu_:
  absl::Status reason_;
  CallId next_id_ = 1;
  std::map<CallId, std::function<void()>> calls_;
};

// The scopes of one program in one process, one per server (by name, e.g. "learner/0").
//
// Thread safety: every method may be called from any thread.
class CallScopes {
 public:
  // The reason a call to `target` ends when every scope is cancelled at once.
  using ReasonFor = std::function<absl::Status(const std::string& target)>;

  // The scope of `target`, created on first use. After CancelAll, a new scope starts
  // cancelled.
  std::shared_ptr<CallScope> ForTarget(const std::string& target);

  // Cancels the scope of `target` (see CallScope::Cancel); later ForTarget calls return
  // it, cancelled.
  void Cancel(const std::string& target, absl::Status reason);

  // Cancels every scope, each with reason_for(its target), and every later one.
  void CancelAll(ReasonFor reason_for);

 private:
  std::mutex mu_;
  // Guarded by mu_:
  std::map<std::string, std::shared_ptr<CallScope>> scopes_;
  ReasonFor cancelled_all_;  // set once CancelAll ran
};

}  // namespace lp

#endif  // LP_SRC_COURIER_RPC_CALL_SCOPE_H_
