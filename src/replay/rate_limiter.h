// RateLimiter: the counters of Reverb's rate limiter and the two rules they feed
// (lp::replay::RateLimiterConfig says which). The table does the waiting.
#ifndef LP_SRC_REPLAY_RATE_LIMITER_H_
#define LP_SRC_REPLAY_RATE_LIMITER_H_

#include <cstdint>
#include <string>

#include "lp/replay_config.h"

namespace lp::replay {

// Not thread-safe: the table calls it under its mutex.
class RateLimiter {
 public:
  explicit RateLimiter(const RateLimiterConfig& config) : config_(config) {}

  // `size`: the items the table holds now (before the insert or sample).
  bool CanInsert(int64_t size) const;
  bool CanSample(int64_t size) const;

  void RecordInsert() { ++inserts_; }
  void RecordSample() { ++samples_; }
  void RecordDelete() { ++deletes_; }
  void Reset() { inserts_ = samples_ = deletes_ = 0; }
  // A restored table continues counting where the checkpoint stopped.
  void SetCounts(int64_t inserts, int64_t samples, int64_t deletes) {
    inserts_ = inserts;
    samples_ = samples;
    deletes_ = deletes;
  }

  int64_t inserts() const { return inserts_; }
  int64_t samples() const { return samples_; }
  int64_t deletes() const { return deletes_; }
  const RateLimiterConfig& config() const { return config_; }

  // "inserts=5 samples=10 size=3, SampleToInsertRatio(...)": for DeadlineExceeded messages.
  std::string DescribeState(int64_t size) const;

 private:
  const RateLimiterConfig config_;
  int64_t inserts_ = 0;
  int64_t samples_ = 0;
  int64_t deletes_ = 0;
};

}  // namespace lp::replay

#endif  // LP_SRC_REPLAY_RATE_LIMITER_H_
