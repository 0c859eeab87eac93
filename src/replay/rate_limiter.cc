#include "src/replay/rate_limiter.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace lp::replay {

bool RateLimiter::CanInsert(int64_t size) const {
  // Until the table reaches the size samples wait for, inserts are free.
  if (size + 1 <= config_.min_size_to_sample) return true;
  const double diff =
      static_cast<double>(inserts_ + 1) * config_.samples_per_insert - static_cast<double>(samples_);
  return diff <= config_.max_diff;
}

bool RateLimiter::CanSample(int64_t size) const {
  if (size < config_.min_size_to_sample) return false;
  const double diff =
      static_cast<double>(inserts_) * config_.samples_per_insert - static_cast<double>(samples_ + 1);
  return diff >= config_.min_diff;
}

std::string RateLimiter::DescribeState(int64_t size) const {
  return absl::StrCat("size=", size, " inserts=", inserts_, " samples=", samples_,
                      " deletes=", deletes_, ", ", config_.ToString());
}

}  // namespace lp::replay
