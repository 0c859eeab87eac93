// The factories and the validation of lp/replay_config.h.
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lp/replay_config.h"

namespace lp::replay {
namespace {

// A diff bound as a reader wrote it: "unlimited" rather than 1.79769e+308.
std::string DiffToString(double diff) {
  if (diff >= RateLimiterConfig::kUnlimited) return "+unlimited";
  if (diff <= -RateLimiterConfig::kUnlimited) return "-unlimited";
  return absl::StrCat(diff);
}

bool IsWhole(double x) { return std::isfinite(x) && x == std::floor(x); }

}  // namespace

std::string Selector::ToString() const {
  switch (kind) {
    case Kind::kUniform:
      return "Uniform";
    case Kind::kPrioritized:
      return absl::StrCat("Prioritized(priority_exponent=", priority_exponent, ")");
    case Kind::kFifo:
      return "Fifo";
    case Kind::kLifo:
      return "Lifo";
    case Kind::kMinHeap:
      return "MinHeap";
    case Kind::kMaxHeap:
      return "MaxHeap";
  }
  return absl::StrCat("Selector(kind=", static_cast<int>(kind), ")");
}

absl::Status Selector::Validate() const {
  switch (kind) {
    case Kind::kUniform:
    case Kind::kFifo:
    case Kind::kLifo:
    case Kind::kMinHeap:
    case Kind::kMaxHeap:
      return absl::OkStatus();
    case Kind::kPrioritized:
      if (!std::isfinite(priority_exponent) || priority_exponent < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "Prioritized selector: priority_exponent is ", priority_exponent,
            "; it must be a finite number >= 0 (0 samples uniformly, 1 in proportion to "
            "the priority)"));
      }
      return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown selector kind ", static_cast<int>(kind)));
}

RateLimiterConfig RateLimiterConfig::MinSize(int64_t min_size_to_sample) {
  return RateLimiterConfig{1.0, min_size_to_sample, -kUnlimited, kUnlimited};
}

RateLimiterConfig RateLimiterConfig::SampleToInsertRatio(double samples_per_insert,
                                                         int64_t min_size_to_sample,
                                                         double error_buffer) {
  const double offset = samples_per_insert * static_cast<double>(min_size_to_sample);
  return RateLimiterConfig{samples_per_insert, min_size_to_sample, offset - error_buffer,
                           offset + error_buffer};
}

// One sample per insert, at most `size` inserts ahead of the samples, none behind.
RateLimiterConfig RateLimiterConfig::Queue(int64_t size) {
  return RateLimiterConfig{1.0, 1, 0.0, static_cast<double>(size)};
}

RateLimiterConfig RateLimiterConfig::Stack(int64_t size) { return Queue(size); }

std::string RateLimiterConfig::ToString() const {
  return absl::StrCat("RateLimiter(samples_per_insert=", samples_per_insert,
                      ", min_size_to_sample=", min_size_to_sample,
                      ", min_diff=", DiffToString(min_diff),
                      ", max_diff=", DiffToString(max_diff), ")");
}

absl::Status RateLimiterConfig::Validate() const {
  if (!std::isfinite(samples_per_insert) || samples_per_insert <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rate limiter: samples_per_insert is ", samples_per_insert,
        "; it must be a finite number > 0"));
  }
  if (min_size_to_sample < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rate limiter: min_size_to_sample is ", min_size_to_sample,
        "; it must be >= 1 (a sample needs an item to draw)"));
  }
  if (std::isnan(min_diff) || std::isnan(max_diff) || min_diff > max_diff) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rate limiter: min_diff (", DiffToString(min_diff), ") must be <= max_diff (",
        DiffToString(max_diff), ")"));
  }
  // Both an insert and a sample wait when diff = inserts * samples_per_insert - samples
  // lies in (max_diff - samples_per_insert, min_diff + 1); then nothing can change it and
  // both wait forever. That interval is empty when the window max_diff - min_diff is at
  // least samples_per_insert + 1; with whole numbers everywhere diff is whole too, and a
  // window of samples_per_insert leaves no whole number inside (Queue(1): window 1).
  const bool whole = IsWhole(samples_per_insert) && IsWhole(min_diff) && IsWhole(max_diff);
  const double needed = whole ? samples_per_insert : samples_per_insert + 1;
  if (max_diff - min_diff < needed) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rate limiter: max_diff - min_diff is ", max_diff - min_diff, ", below ", needed,
        ", so inserts and samples could both wait forever; for SampleToInsertRatio with "
        "samples_per_insert ", samples_per_insert, " raise error_buffer to at least ",
        needed / 2));
  }
  return absl::OkStatus();
}

TableConfig TableConfig::Queue(std::string name, int64_t max_size) {
  TableConfig config;
  config.name = std::move(name);
  config.max_size = max_size;
  config.sampler = Selector::Fifo();
  config.remover = Selector::Fifo();
  config.max_times_sampled = 1;
  config.rate_limiter = RateLimiterConfig::Queue(max_size);
  return config;
}

TableConfig TableConfig::Stack(std::string name, int64_t max_size) {
  TableConfig config = Queue(std::move(name), max_size);
  config.sampler = Selector::Lifo();
  // As Reverb's Table.stack. The limiter keeps the table from filling up, so the remover
  // only matters after a restore into a smaller table.
  config.remover = Selector::Lifo();
  config.rate_limiter = RateLimiterConfig::Stack(max_size);
  return config;
}

absl::Status TableConfig::Validate() const {
  const std::string table = absl::StrCat("replay table '", name, "': ");
  auto with_table = [&](const absl::Status& status, const char* field) {
    return absl::InvalidArgumentError(absl::StrCat(table, field, ": ", status.message()));
  };
  if (name.empty()) {
    return absl::InvalidArgumentError("replay table: name is empty; give the table a name");
  }
  if (max_size <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        table, "max_size is ", max_size, "; it must be > 0 (the most items it holds)"));
  }
  if (max_times_sampled < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        table, "max_times_sampled is ", max_times_sampled, "; it must be >= 0 (0 = unlimited)"));
  }
  if (absl::Status s = sampler.Validate(); !s.ok()) return with_table(s, "sampler");
  if (absl::Status s = remover.Validate(); !s.ok()) return with_table(s, "remover");
  if (absl::Status s = rate_limiter.Validate(); !s.ok()) return with_table(s, "rate_limiter");
  if (rate_limiter.min_size_to_sample > max_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        table, "rate_limiter.min_size_to_sample (", rate_limiter.min_size_to_sample,
        ") exceeds max_size (", max_size, "), so no sample could ever proceed; lower it "
        "or raise max_size"));
  }
  return absl::OkStatus();
}

}  // namespace lp::replay
