// Reverb's rate limiter rules (src/replay/rate_limiter.h) for each factory of
// lp::replay::RateLimiterConfig, and the validation of configs with the messages a user
// gets. The waiting itself is tested on a table (table_blocking_test.cc).
#include "src/replay/rate_limiter.h"

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lp/replay_config.h"

namespace lp::replay {
namespace {

using ::testing::HasSubstr;

TEST(RateLimiterTest, MinSizeHoldsSamplesUntilTheSizeAndNeverInserts) {
  RateLimiter limiter(RateLimiterConfig::MinSize(3));
  for (int64_t size = 0; size < 3; ++size) {
    EXPECT_FALSE(limiter.CanSample(size)) << size;
    EXPECT_TRUE(limiter.CanInsert(size));
    limiter.RecordInsert();
  }
  EXPECT_TRUE(limiter.CanSample(3));
  for (int i = 0; i < 1000; ++i) limiter.RecordSample();
  EXPECT_TRUE(limiter.CanSample(3));
  for (int i = 0; i < 1000; ++i) limiter.RecordInsert();
  EXPECT_TRUE(limiter.CanInsert(3));
}

TEST(RateLimiterTest, SampleToInsertRatioKeepsSamplesWithinTheErrorBuffer) {
  // 2 samples per insert once 2 items are in; error buffer 4: min_diff 0, max_diff 8.
  const RateLimiterConfig config = RateLimiterConfig::SampleToInsertRatio(2.0, 2, 4.0);
  EXPECT_EQ(config.min_diff, 0.0);
  EXPECT_EQ(config.max_diff, 8.0);
  RateLimiter limiter(config);
  int64_t size = 0;
  // Inserts 1..4: the first two fill the table to min_size_to_sample (free); then
  // (inserts+1)*2 - samples stays <= 8 up to the fourth.
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(limiter.CanInsert(size)) << "insert " << i + 1;
    limiter.RecordInsert();
    ++size;
  }
  EXPECT_FALSE(limiter.CanInsert(size));  // 5*2 - 0 = 10 > 8
  // 4 inserts allow 8 samples: 4*2 - (samples+1) >= 0.
  for (int i = 0; i < 8; ++i) {
    EXPECT_TRUE(limiter.CanSample(size)) << "sample " << i + 1;
    limiter.RecordSample();
    if (i == 0) {
      EXPECT_FALSE(limiter.CanInsert(size));  // 10 - 1 = 9 > 8
    } else if (i == 1) {
      EXPECT_TRUE(limiter.CanInsert(size));  // 10 - 2 = 8
    }
  }
  EXPECT_FALSE(limiter.CanSample(size));
}

TEST(RateLimiterTest, SampleToInsertRatioSamplesWaitForMinSizeWhateverTheCounts) {
  RateLimiter limiter(RateLimiterConfig::SampleToInsertRatio(1.0, 5, 100.0));
  for (int i = 0; i < 4; ++i) limiter.RecordInsert();
  EXPECT_FALSE(limiter.CanSample(4));
  EXPECT_TRUE(limiter.CanSample(5));
}

TEST(RateLimiterTest, DeletesDoNotUndoInsertsAsInReverb) {
  // Queue(2): after 2 inserts and 2 deletes the table is empty, but the two inserts still
  // count: a third insert is free only because the table is below min_size_to_sample.
  RateLimiter limiter(RateLimiterConfig::Queue(2));
  limiter.RecordInsert();
  limiter.RecordInsert();
  limiter.RecordDelete();
  limiter.RecordDelete();
  EXPECT_FALSE(limiter.CanSample(0));
  EXPECT_TRUE(limiter.CanInsert(0));  // size 0 + 1 <= min_size_to_sample 1
  EXPECT_FALSE(limiter.CanInsert(1));  // 3 - 0 > 2
  EXPECT_EQ(limiter.deletes(), 2);
}

TEST(RateLimiterTest, QueueLetsSizeInsertsAheadOfTheSamplesAndNoSampleAhead) {
  for (RateLimiterConfig config : {RateLimiterConfig::Queue(3), RateLimiterConfig::Stack(3)}) {
    RateLimiter limiter(config);
    int64_t size = 0;
    EXPECT_FALSE(limiter.CanSample(size));
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(limiter.CanInsert(size));
      limiter.RecordInsert();
      ++size;
    }
    EXPECT_FALSE(limiter.CanInsert(size));
    // Each sample removes its item (max_times_sampled 1 in a queue table).
    limiter.RecordSample();
    limiter.RecordDelete();
    --size;
    EXPECT_TRUE(limiter.CanInsert(size));
    EXPECT_TRUE(limiter.CanSample(size));
    limiter.RecordSample();
    limiter.RecordSample();
    size -= 2;
    EXPECT_FALSE(limiter.CanSample(size));
  }
}

TEST(RateLimiterTest, ResetAndSetCountsReplaceTheCounters) {
  RateLimiter limiter(RateLimiterConfig::Queue(1));
  limiter.RecordInsert();
  EXPECT_FALSE(limiter.CanInsert(1));
  limiter.Reset();
  EXPECT_EQ(limiter.inserts(), 0);
  EXPECT_TRUE(limiter.CanInsert(0));
  limiter.SetCounts(7, 6, 5);
  EXPECT_EQ(limiter.inserts(), 7);
  EXPECT_EQ(limiter.samples(), 6);
  EXPECT_EQ(limiter.deletes(), 5);
  EXPECT_TRUE(limiter.CanSample(1));  // 7 - 7 >= 0
  EXPECT_THAT(limiter.DescribeState(1), HasSubstr("inserts=7 samples=6"));
}

TEST(RateLimiterConfigTest, ErrorBufferTooSmallForSamplesPerInsertIsRefused) {
  // 4 samples per insert with a buffer of 1 either way (min_diff 39, max_diff 41): at
  // diff 38 or 39 an insert (needs diff + 4 <= 41) and a sample (needs diff - 1 >= 39)
  // both wait, forever.
  const absl::Status status = RateLimiterConfig::SampleToInsertRatio(4.0, 10, 1.0).Validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("raise error_buffer to at least 2"));
  EXPECT_TRUE(RateLimiterConfig::SampleToInsertRatio(4.0, 10, 2.0).Validate().ok());
  // A fractional ratio makes diff fractional: the window must exceed it by one sample.
  EXPECT_THAT(RateLimiterConfig::SampleToInsertRatio(1.5, 10, 1.0).Validate().message(),
              HasSubstr("raise error_buffer to at least 1.25"));
  EXPECT_TRUE(RateLimiterConfig::SampleToInsertRatio(1.5, 10, 1.25).Validate().ok());
}

TEST(RateLimiterConfigTest, TheSmallestValidBufferNeverBlocksBothWays) {
  // Every diff the counters can reach lets an insert or a sample proceed.
  for (const RateLimiterConfig& config :
       {RateLimiterConfig::SampleToInsertRatio(4.0, 10, 2.0),
        RateLimiterConfig::SampleToInsertRatio(1.5, 10, 1.25), RateLimiterConfig::Queue(1)}) {
    ASSERT_TRUE(config.Validate().ok()) << config.ToString();
    RateLimiter limiter(config);
    const int64_t size = config.min_size_to_sample;  // past the free inserts
    for (int step = 0; step < 1000; ++step) {
      const bool can_insert = limiter.CanInsert(size);
      const bool can_sample = limiter.CanSample(size);
      ASSERT_TRUE(can_insert || can_sample) << config.ToString() << " at step " << step
                                            << ": " << limiter.DescribeState(size);
      // Alternate preferences so that many states are visited.
      if (can_insert && (step % 3 != 0 || !can_sample)) {
        limiter.RecordInsert();
      } else {
        limiter.RecordSample();
      }
    }
  }
}

TEST(RateLimiterConfigTest, ImpossibleValuesAreRefusedNamingTheField) {
  auto message = [](const RateLimiterConfig& config) {
    return std::string(config.Validate().message());
  };
  EXPECT_THAT(message(RateLimiterConfig::SampleToInsertRatio(0.0, 1, 10.0)),
              HasSubstr("samples_per_insert is 0"));
  EXPECT_THAT(message(RateLimiterConfig::MinSize(0)), HasSubstr("min_size_to_sample is 0"));
  EXPECT_THAT(message(RateLimiterConfig::Queue(0)), HasSubstr("max_diff - min_diff"));
  RateLimiterConfig reversed;
  reversed.min_diff = 5;
  reversed.max_diff = 1;
  EXPECT_THAT(message(reversed), HasSubstr("must be <= max_diff"));
  EXPECT_TRUE(RateLimiterConfig::MinSize(1).Validate().ok());
  EXPECT_TRUE(RateLimiterConfig::Queue(1).Validate().ok());
}

TEST(TableConfigTest, InvalidConfigsSayWhatToChange) {
  TableConfig config;
  config.name = "replay";
  config.max_size = 100;
  EXPECT_TRUE(config.Validate().ok());

  auto message = [](const TableConfig& c) {
    const absl::Status status = c.Validate();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    return std::string(status.message());
  };
  TableConfig c = config;
  c.name = "";
  EXPECT_THAT(message(c), HasSubstr("name is empty"));
  c = config;
  c.max_size = 0;
  EXPECT_THAT(message(c), HasSubstr("'replay': max_size is 0"));
  c = config;
  c.max_times_sampled = -1;
  EXPECT_THAT(message(c), HasSubstr("max_times_sampled is -1"));
  c = config;
  c.sampler = Selector::Prioritized(-0.5);
  EXPECT_THAT(message(c), HasSubstr("sampler: Prioritized selector: priority_exponent is -0.5"));
  c = config;
  c.remover = Selector::Prioritized(std::nan(""));
  EXPECT_THAT(message(c), HasSubstr("remover"));
  c = config;
  c.rate_limiter = RateLimiterConfig::SampleToInsertRatio(8.0, 10, 1.0);
  EXPECT_THAT(message(c), HasSubstr("'replay': rate_limiter: "));
  c = config;
  c.rate_limiter = RateLimiterConfig::MinSize(101);
  EXPECT_THAT(message(c), HasSubstr("min_size_to_sample (101) exceeds max_size (100)"));
}

TEST(TableConfigTest, QueueAndStackAreReverbsTableQueueAndStack) {
  const TableConfig queue = TableConfig::Queue("q", 10);
  EXPECT_EQ(queue.name, "q");
  EXPECT_EQ(queue.max_size, 10);
  EXPECT_EQ(queue.sampler, Selector::Fifo());
  EXPECT_EQ(queue.remover, Selector::Fifo());
  EXPECT_EQ(queue.max_times_sampled, 1);
  EXPECT_EQ(queue.rate_limiter, RateLimiterConfig::Queue(10));
  EXPECT_TRUE(queue.Validate().ok());
  const TableConfig stack = TableConfig::Stack("s", 10);
  EXPECT_EQ(stack.sampler, Selector::Lifo());
  EXPECT_EQ(stack.remover, Selector::Lifo());
  EXPECT_EQ(stack.max_times_sampled, 1);
  EXPECT_EQ(stack.rate_limiter, RateLimiterConfig::Stack(10));
  EXPECT_TRUE(stack.Validate().ok());
}

TEST(SelectorTest, ToStringNamesKindAndExponent) {
  EXPECT_EQ(Selector::Uniform().ToString(), "Uniform");
  EXPECT_EQ(Selector::Prioritized(0.6).ToString(), "Prioritized(priority_exponent=0.6)");
  EXPECT_EQ(Selector::MaxHeap().ToString(), "MaxHeap");
  EXPECT_THAT(RateLimiterConfig::MinSize(2).ToString(),
              HasSubstr("min_size_to_sample=2, min_diff=-unlimited, max_diff=+unlimited"));
}

}  // namespace
}  // namespace lp::replay
