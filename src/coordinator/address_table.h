#ifndef LP_SRC_COORDINATOR_ADDRESS_TABLE_H_
#define LP_SRC_COORDINATOR_ADDRESS_TABLE_H_

// The coordinator's table of published addresses, and the resolves waiting for them.
//
// A waiting resolve holds no thread: it is a ResolveWaiter parked in the table until the
// address is published or the table closes. This is what lets 100+ nodes all wait for
// each other at start-up without exhausting a server thread pool.

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lp/context.h"

namespace lp::internal {

// A resolve waiting for an address. Resolved() is called exactly once, by whoever took
// the waiter out of the table (a Publish, Close, or the waiter's own Forget is the other
// way out), outside the table's lock.
class ResolveWaiter {
 public:
  virtual ~ResolveWaiter() = default;
  virtual void Resolved(absl::StatusOr<std::string> address) = 0;
};

// Thread safety: every method may be called from any thread.
class AddressTable {
 public:
  // Records (or replaces: a restarted node binds a new port) an address and hands it to
  // every waiter for it.
  void Publish(const NodeId& node, std::string endpoint, std::string address);

  // The address if known, Unavailable if the table is closed; otherwise parks `waiter`
  // and returns nullopt: it will be Resolved() later, or must be Forget()-ten.
  std::optional<absl::StatusOr<std::string>> ResolveOrWait(const NodeId& node,
                                                           std::string endpoint,
                                                           ResolveWaiter* waiter);

  // Takes `waiter` out of the table. True if it was parked, in which case the caller now
  // owns finishing it; false if someone else already took it out (and resolves it).
  bool Forget(ResolveWaiter* waiter);

  // The program is stopping: every waiter, and every later resolve of an address not yet
  // published, gets Unavailable. Addresses already published still resolve.
  void Close();

  // The number of parked resolves, and a wait until it is exactly `count` (false if
  // `deadline` passed first).
  size_t waiting() const;
  bool AwaitWaiting(size_t count, absl::Time deadline) const;

 private:
  using Key = std::pair<NodeId, std::string>;

  mutable std::mutex mu_;
  // Notified under mu_ whenever waiting_for_ changes (what AwaitWaiting watches).
  mutable std::condition_variable waiting_changed_;
  // Guarded by mu_:
  absl::flat_hash_map<Key, std::string> addresses_;
  absl::flat_hash_map<Key, absl::flat_hash_set<ResolveWaiter*>> waiters_;
  absl::flat_hash_map<ResolveWaiter*, Key> waiting_for_;
  bool closed_ = false;
};

}  // namespace lp::internal

#endif  // LP_SRC_COORDINATOR_ADDRESS_TABLE_H_
