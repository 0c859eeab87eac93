// The configuration of one replay table (issue 15): which item a sample draws and which
// one an insert into a full table evicts (Selector), when inserts and samples must wait
// (RateLimiterConfig), and the table itself (TableConfig). Reverb's model: a config
// written for Reverb's Table translates field by field.
//
// Plain values, copyable, no locking needed. TableConfig::Validate() says whether a table
// can be built from a config; the table (src/replay/table.h) refuses one that cannot.
#ifndef LP_INCLUDE_LP_REPLAY_CONFIG_H_
#define LP_INCLUDE_LP_REPLAY_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"

namespace lp::replay {

// How a table picks one item among those it holds: the sampler picks what Sample returns,
// the remover what an insert into a full table evicts.
struct Selector {
  enum class Kind {
    kUniform,      // every item equally likely
    kPrioritized,  // item i with probability p_i^e / sum_j p_j^e (e = priority_exponent)
    kFifo,         // the oldest inserted item
    kLifo,         // the newest inserted item
    kMinHeap,      // the lowest priority (ties: the least recently inserted or updated)
    kMaxHeap,      // the highest priority (ties: the least recently inserted or updated)
  };

  Kind kind = Kind::kUniform;
  // Only for kPrioritized: 0 samples uniformly, 1 in proportion to the priority. ≥ 0.
  double priority_exponent = 1.0;

  static Selector Uniform() { return Selector{Kind::kUniform, 1.0}; }
  static Selector Prioritized(double priority_exponent) {
    return Selector{Kind::kPrioritized, priority_exponent};
  }
  static Selector Fifo() { return Selector{Kind::kFifo, 1.0}; }
  static Selector Lifo() { return Selector{Kind::kLifo, 1.0}; }
  static Selector MinHeap() { return Selector{Kind::kMinHeap, 1.0}; }
  static Selector MaxHeap() { return Selector{Kind::kMaxHeap, 1.0}; }

  // "Uniform", "Prioritized(0.6)", "Fifo", ...: for messages and Info.
  std::string ToString() const;
  absl::Status Validate() const;

  friend bool operator==(const Selector&, const Selector&) = default;
};

// Reverb's rate limiter: it keeps the number of samples per insert near
// samples_per_insert. With `inserts` and `samples` counted since the table was created
// (or Reset; deleted and evicted items are not subtracted):
//   an insert may proceed iff the table holds fewer than min_size_to_sample items after
//     it, or (inserts + 1) * samples_per_insert - samples <= max_diff;
//   a sample may proceed iff the table holds at least min_size_to_sample items and
//     inserts * samples_per_insert - (samples + 1) >= min_diff.
// Otherwise the call waits until it may, its deadline passes or the table is closed.
struct RateLimiterConfig {
  double samples_per_insert = 1.0;  // > 0
  int64_t min_size_to_sample = 1;   // ≥ 1
  double min_diff = -kUnlimited;
  double max_diff = kUnlimited;  // ≥ min_diff

  static constexpr double kUnlimited = 1.7976931348623157e308;  // DBL_MAX

  // Samples wait until the table holds `min_size_to_sample` items; nothing else waits.
  static RateLimiterConfig MinSize(int64_t min_size_to_sample);
  // Keeps samples/inserts near `samples_per_insert` once the table holds
  // `min_size_to_sample` items, allowing the count of samples to drift `error_buffer`
  // either way before an insert or a sample waits (min_diff, max_diff =
  // samples_per_insert * min_size_to_sample ∓ error_buffer). Validate refuses a buffer so
  // small that an insert and a sample could both wait forever: below
  // samples_per_insert / 2 when every bound is a whole number, below
  // (samples_per_insert + 1) / 2 otherwise. Reverb asks for max(1, samples_per_insert),
  // which passes both.
  static RateLimiterConfig SampleToInsertRatio(double samples_per_insert,
                                               int64_t min_size_to_sample,
                                               double error_buffer);
  // Every item is sampled once, in the order the selectors give, and at most `size`
  // items wait to be sampled: inserts wait while the queue is full, samples while it is
  // empty. Queue and Stack differ only in the sampler the table uses with them.
  static RateLimiterConfig Queue(int64_t size);
  static RateLimiterConfig Stack(int64_t size);

  // "SampleToInsertRatio(samples_per_insert=2, min_size_to_sample=100, min_diff=..)".
  std::string ToString() const;
  absl::Status Validate() const;

  friend bool operator==(const RateLimiterConfig&, const RateLimiterConfig&) = default;
};

// One replay table. Defaults: uniform sampling, FIFO eviction, unlimited sampling of an
// item, samples wait for the first item (MinSize(1)).
struct TableConfig {
  std::string name;      // non-empty; unique within a replay node
  int64_t max_size = 0;  // > 0: an insert into a full table evicts the remover's pick
  Selector sampler = Selector::Uniform();
  Selector remover = Selector::Fifo();
  // 0 = unlimited; otherwise an item sampled that many times is removed from the table.
  int64_t max_times_sampled = 0;
  RateLimiterConfig rate_limiter = RateLimiterConfig::MinSize(1);
  // Seed of the table's random engine (uniform and prioritized sampling); unset = random.
  // Fix it in tests to draw the same items every run.
  std::optional<uint64_t> seed;

  // Reverb's Table.queue / Table.stack: a FIFO (LIFO) sampler, each item sampled once,
  // inserts waiting while `max_size` items wait to be sampled.
  static TableConfig Queue(std::string name, int64_t max_size);
  static TableConfig Stack(std::string name, int64_t max_size);

  // OK, or InvalidArgument naming the table, the field and what to change.
  absl::Status Validate() const;

  friend bool operator==(const TableConfig&, const TableConfig&) = default;
};

}  // namespace lp::replay

#endif  // LP_INCLUDE_LP_REPLAY_CONFIG_H_
