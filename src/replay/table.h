// One replay table (issue 15): items with a key, a priority and data, sampled and evicted
// by the selectors of its TableConfig, inserts and samples paced by Reverb's rate limiter.
// The replay node (src/replay/node/) serves tables over Courier; this is the engine alone,
// with no RPC.
#ifndef LP_SRC_REPLAY_TABLE_H_
#define LP_SRC_REPLAY_TABLE_H_

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "courier/courier.pb.h"
#include "lp/replay.pb.h"
#include "lp/replay_config.h"
#include "src/replay/rate_limiter.h"
#include "src/replay/selector.h"

namespace lp::replay {

// What a client inserts. `data` is shared, never copied by the table: the same object may
// be inserted into several tables (Reverb's multi-table insert).
// An item's value, shared between the table and the samples that hold it.
using ItemData = std::shared_ptr<const courier::SerializedObject>;

struct TableItem {
  uint64_t key = 0;       // chosen by the client; an existing key is updated in place
  double priority = 0.0;  // finite, ≥ 0
  ItemData data;
};

// One item as Sample returns it.
struct SampledItem {
  uint64_t key = 0;
  double priority = 0.0;
  int64_t times_sampled = 0;  // including this sample
  // The probability the sampler drew this item with: 1/size (uniform), p^e / Σ p^e
  // (prioritized), 1 (FIFO, LIFO, heaps).
  double probability = 0.0;
  int64_t table_size = 0;  // when it was drawn, before a max_times_sampled removal
  std::shared_ptr<const courier::SerializedObject> data;
};

struct TableInfo {
  TableConfig config;
  int64_t size = 0;
  // The rate limiter's counters since creation or Reset. `deletes` counts every item that
  // left the table: Delete, eviction by the remover, max_times_sampled (as Reverb does).
  int64_t inserts = 0;
  int64_t samples = 0;
  int64_t deletes = 0;
  int64_t blocked_inserts = 0;  // callers waiting in Insert now
  int64_t blocked_samples = 0;  // callers waiting in Sample now
  bool closed = false;
};

// Thread safety: every method may be called from any thread at once (the replay node's
// handler threads share one table). One mutex guards the whole state; Insert and Sample
// wait on condition variables of that mutex, never holding it while they wait.
// std::mutex rather than absl::Mutex so that TSan sees the ordering (see lp/event.h).
class Table {
 public:
  // InvalidArgument when config.Validate() fails.
  static absl::StatusOr<std::unique_ptr<Table>> Create(TableConfig config);

  // A table holding what `checkpoint` holds. `config` must have the checkpoint's name; it
  // may change the rest (max_size, selectors, limiter): items beyond a smaller max_size
  // are evicted by the remover (not counted as deletes), and the counters carry over.
  static absl::StatusOr<std::unique_ptr<Table>> Restore(TableConfig config,
                                                        const TableCheckpoint& checkpoint);

  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;
  ~Table();

  const std::string& name() const { return config_.name; }
  const TableConfig& config() const { return config_; }

  // Inserts `item`, evicting the remover's pick when the table is full; waits while the
  // rate limiter forbids the insert. An existing key gets the new data and priority in
  // place (its times_sampled and position stay; neither waits nor counts as an insert).
  // InvalidArgument for a bad priority or no data, DeadlineExceeded once `deadline`
  // passed (absl::InfinitePast(): do not wait), Close's status once closed.
  absl::Status Insert(TableItem item, absl::Time deadline);

  // Inserts `items` in order, as Insert would, under one lock, for as long as the rate
  // limiter lets each proceed without waiting; `*inserted` tells how many it inserted
  // (their TableItems are moved from). Returns OK when it stopped at an item that would
  // have to wait (the caller inserts that one with Insert, which waits) or inserted them
  // all; otherwise the error of item `*inserted` (as Insert's), none after it inserted.
  // One lock for a batch rather than one per item: an InsertBatch from several clients
  // at once otherwise spends its time handing the lock back and forth.
  absl::Status InsertWhileAllowed(absl::Span<TableItem> items, size_t* inserted);

  // Reverb's flexible batch: waits until the rate limiter allows one sample, then draws
  // up to `max_items` (≥ 1) with replacement, as many as the limiter allows without
  // waiting again. Items reaching max_times_sampled leave the table at once.
  // DeadlineExceeded (naming the table and the limiter's state) when `deadline` passed
  // before the first, Close's status once closed.
  absl::StatusOr<std::vector<SampledItem>> Sample(int64_t max_items, absl::Time deadline);

  // Sets the priorities of the keys the table holds. Returns how many keys were unknown
  // (ignored, as Reverb does). InvalidArgument, changing nothing, for a bad priority.
  absl::StatusOr<int64_t> UpdatePriorities(
      const std::vector<std::pair<uint64_t, double>>& priorities);

  // Removes the keys the table holds; returns how many it removed (unknown keys ignored).
  absl::StatusOr<int64_t> Delete(const std::vector<uint64_t>& keys);

  // Removes every item and zeroes the counters; waiting callers re-check.
  absl::Status Reset();

  TableInfo Info() const;

  // Every waiting Insert/Sample and every later mutating call returns `why` at once (an
  // OK `why` becomes Cancelled naming the table). Info and Save keep working, so that a
  // closed table can still be checkpointed. Idempotent: the first status stays.
  void Close(absl::Status why);

  // A consistent snapshot: the config, the items oldest first and the counters. The lock
  // is held only to collect the items' shared data; copying it into `out` (the proto owns
  // its fields, so each item's data is copied once) happens after, without blocking
  // other callers.
  absl::Status Save(TableCheckpoint* out) const;

 private:
  struct StoredItem {
    double priority = 0.0;
    int64_t times_sampled = 0;
    uint64_t order = 0;  // insertion order, for Save
    ItemData data;
  };

  explicit Table(TableConfig config);

  // Items' data that left the table under mu_, destroyed by the caller after it released
  // mu_: freeing an item's blocks is the slowest part of an insert that evicts one (it
  // misses malloc's caches), and other callers need not wait for it.
  using Released = absl::InlinedVector<ItemData, 1>;

  // The locked parts of the operations above. Their callers hold mu_.
  absl::Status CheckItem(const TableItem& item) const;
  // Insert of `item` once the rate limiter allowed it (or its key is held: an update).
  void InsertAllowedLocked(TableItem item, Released* released);
  void InsertLocked(uint64_t key, double priority, ItemData data);
  // Removes `key` (which the table holds) and returns its data.
  ItemData RemoveLocked(uint64_t key);
  SampledItem SampleOneLocked();
  absl::Status CheckPriority(double priority) const;
  // Waits on `cv` until `allowed()` or closed or `deadline`; counts the waiter in
  // `*blocked`. `what` names the operation in the DeadlineExceeded message.
  template <typename Allowed>
  absl::Status AwaitLocked(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                           int64_t* blocked, absl::Time deadline, const char* what,
                           Allowed allowed);
  void NotifyWaitersLocked();

  const TableConfig config_;

  mutable std::mutex mu_;
  std::condition_variable can_insert_;  // signalled when an insert may proceed or closed
  std::condition_variable can_sample_;  // signalled when a sample may proceed or closed
  absl::flat_hash_map<uint64_t, StoredItem> items_;  // guarded by mu_
  std::unique_ptr<ItemSelector> sampler_;            // guarded by mu_
  std::unique_ptr<ItemSelector> remover_;            // guarded by mu_
  RateLimiter limiter_;                              // guarded by mu_
  std::mt19937_64 random_;                           // guarded by mu_
  uint64_t next_order_ = 0;                          // guarded by mu_
  int64_t blocked_inserts_ = 0;                      // guarded by mu_
  int64_t blocked_samples_ = 0;                      // guarded by mu_
  absl::Status closed_;  // guarded by mu_; OK until Close
  bool is_closed_ = false;  // guarded by mu_
};

}  // namespace lp::replay

#endif  // LP_SRC_REPLAY_TABLE_H_
