// A table's Insert and Sample waiting as the rate limiter says: which calls proceed and
// which wait, a deadline ending a wait, a wait ended by another thread's call, and Close
// ending every wait at once. A waiting caller is observed through Info's blocked counts
// (a real state of the table), never assumed after a sleep.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/replay/table.h"
#include "tests/replay/table_support.h"

namespace lp::replay {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Config;
using testing::Item;
using testing::Keys;
using testing::MakeTable;
using testing::Now;
using testing::WaitUntil;

// Long enough never to end a wait a test expects another event to end.
absl::Time Forever() { return absl::InfiniteFuture(); }

std::unique_ptr<Table> RestoreOf(const TableConfig& config, const TableCheckpoint& checkpoint) {
  absl::StatusOr<std::unique_ptr<Table>> table = Table::Restore(config, checkpoint);
  EXPECT_TRUE(table.ok()) << table.status();
  return table.ok() ? std::move(*table) : nullptr;
}

void WaitForBlockedSamples(const Table& table, int64_t n) {
  WaitUntil([&] { return table.Info().blocked_samples == n; },
            std::to_string(n) + " samples are blocked");
}

void WaitForBlockedInserts(const Table& table, int64_t n) {
  WaitUntil([&] { return table.Info().blocked_inserts == n; },
            std::to_string(n) + " inserts are blocked");
}

TEST(TableBlockingTest, MinSizeSamplesWaitForTheSizeInsertsNever) {
  TableConfig config = Config("min", 100);
  config.rate_limiter = RateLimiterConfig::MinSize(3);
  auto table = MakeTable(config);
  for (uint64_t key = 1; key <= 2; ++key) {
    ASSERT_TRUE(table->Insert(Item(key), Now()).ok());
    EXPECT_EQ(table->Sample(1, Now()).status().code(), absl::StatusCode::kDeadlineExceeded);
  }
  ASSERT_TRUE(table->Insert(Item(3), Now()).ok());
  auto sampled = table->Sample(500, Now());
  ASSERT_TRUE(sampled.ok());
  EXPECT_EQ(sampled->size(), 500u);
  for (uint64_t key = 4; key <= 100; ++key) ASSERT_TRUE(table->Insert(Item(key), Now()).ok());
}

TEST(TableBlockingTest, SampleToInsertRatioAlternatesWithinTheErrorBuffer) {
  // 2 samples per insert from 2 items on, error buffer 4: min_diff 0, max_diff 8.
  TableConfig config = Config("ratio", 100);
  config.rate_limiter = RateLimiterConfig::SampleToInsertRatio(2.0, 2, 4.0);
  auto table = MakeTable(config);
  ASSERT_TRUE(table->Insert(Item(1), Now()).ok());
  EXPECT_EQ(table->Sample(1, Now()).status().code(), absl::StatusCode::kDeadlineExceeded);
  for (uint64_t key = 2; key <= 4; ++key) ASSERT_TRUE(table->Insert(Item(key), Now()).ok());
  const absl::Status fifth = table->Insert(Item(5), Now());
  EXPECT_EQ(fifth.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(fifth.message(), HasSubstr("'ratio': Insert waited until its deadline"));
  EXPECT_THAT(fifth.message(), HasSubstr("inserts=4 samples=0"));
  // The flexible batch takes the 8 samples 4 inserts allow, not the 20 asked for.
  auto sampled = table->Sample(20, Now());
  ASSERT_TRUE(sampled.ok());
  EXPECT_EQ(sampled->size(), 8u);
  EXPECT_EQ(table->Sample(1, Now()).status().code(), absl::StatusCode::kDeadlineExceeded);
  ASSERT_TRUE(table->Insert(Item(5), Now()).ok());
  sampled = table->Sample(20, Now());
  ASSERT_TRUE(sampled.ok());
  EXPECT_EQ(sampled->size(), 2u);
}

TEST(TableBlockingTest, QueueTableHandsOutItemsOnceInOrderAndHoldsAtMostItsSize) {
  auto table = MakeTable(TableConfig::Queue("queue", 3));
  for (uint64_t key = 1; key <= 3; ++key) ASSERT_TRUE(table->Insert(Item(key), Now()).ok());
  EXPECT_EQ(table->Insert(Item(4), Now()).code(), absl::StatusCode::kDeadlineExceeded);
  auto sampled = table->Sample(2, Now());
  ASSERT_TRUE(sampled.ok());
  EXPECT_THAT(Keys(*sampled), ElementsAre(1, 2));
  ASSERT_TRUE(table->Insert(Item(4), Now()).ok());
  ASSERT_TRUE(table->Insert(Item(5), Now()).ok());
  sampled = table->Sample(10, Now());
  ASSERT_TRUE(sampled.ok());
  EXPECT_THAT(Keys(*sampled), ElementsAre(3, 4, 5));
  EXPECT_EQ(table->Sample(1, Now()).status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(table->Info().size, 0);
}

TEST(TableBlockingTest, InsertWhileAllowedStopsAtTheFirstItemTheLimiterWouldMakeWait) {
  auto table = MakeTable(TableConfig::Queue("queue", 3));
  std::vector<TableItem> batch = {Item(1), Item(2), Item(3), Item(4), Item(5)};
  size_t inserted = 0;
  ASSERT_TRUE(table->InsertWhileAllowed(absl::MakeSpan(batch), &inserted).ok());
  EXPECT_EQ(inserted, 3u);
  EXPECT_EQ(table->Info().size, 3);
  EXPECT_EQ(table->Info().blocked_inserts, 0) << "it does not wait";
  ASSERT_NE(batch[3].data, nullptr) << "the items it did not insert are the caller's still";
  // A sample makes room for one more; the rest of the batch goes on from there.
  ASSERT_TRUE(table->Sample(1, Now()).ok());
  ASSERT_TRUE(table->InsertWhileAllowed(absl::MakeSpan(batch).subspan(3), &inserted).ok());
  EXPECT_EQ(inserted, 1u);
  auto sampled = table->Sample(10, Now());
  ASSERT_TRUE(sampled.ok());
  EXPECT_THAT(Keys(*sampled), ElementsAre(2, 3, 4));
}

TEST(TableBlockingTest, StackTableHandsOutTheNewestFirst) {
  auto table = MakeTable(TableConfig::Stack("stack", 3));
  for (uint64_t key = 1; key <= 3; ++key) ASSERT_TRUE(table->Insert(Item(key), Now()).ok());
  EXPECT_EQ(table->Insert(Item(4), Now()).code(), absl::StatusCode::kDeadlineExceeded);
  auto sampled = table->Sample(1, Now());
  ASSERT_TRUE(sampled.ok());
  EXPECT_THAT(Keys(*sampled), ElementsAre(3));
  ASSERT_TRUE(table->Insert(Item(4), Now()).ok());
  sampled = table->Sample(10, Now());
  ASSERT_TRUE(sampled.ok());
  EXPECT_THAT(Keys(*sampled), ElementsAre(4, 2, 1));
}

TEST(TableBlockingTest, AShortDeadlineEndsTheWaitWithDeadlineExceeded) {
  auto table = MakeTable(TableConfig::Queue("q", 1));
  const absl::StatusOr<std::vector<SampledItem>> sampled =
      table->Sample(1, absl::Now() + absl::Milliseconds(20));
  EXPECT_EQ(sampled.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(sampled.status().message(),
              HasSubstr("replay table 'q': Sample waited until its deadline"));
  EXPECT_THAT(sampled.status().message(), HasSubstr("size=0 inserts=0 samples=0"));
  ASSERT_TRUE(table->Insert(Item(1), Now()).ok());
  EXPECT_EQ(table->Insert(Item(2), absl::Now() + absl::Milliseconds(20)).code(),
            absl::StatusCode::kDeadlineExceeded);
  const TableInfo info = table->Info();
  EXPECT_EQ(info.blocked_inserts, 0);
  EXPECT_EQ(info.blocked_samples, 0);
  EXPECT_EQ(info.inserts, 1);  // the refused insert did not count
}

TEST(TableBlockingTest, ABlockedSampleIsWokenByAnInsert) {
  auto table = MakeTable(TableConfig::Queue("q", 4));
  absl::StatusOr<std::vector<SampledItem>> sampled;
  std::thread sampler([&] { sampled = table->Sample(1, Forever()); });
  WaitForBlockedSamples(*table, 1);
  ASSERT_TRUE(table->Insert(Item(7), Now()).ok());
  sampler.join();
  ASSERT_TRUE(sampled.ok()) << sampled.status();
  EXPECT_THAT(Keys(*sampled), ElementsAre(7));
  EXPECT_EQ(table->Info().blocked_samples, 0);
}

TEST(TableBlockingTest, ABlockedInsertIsWokenByASample) {
  auto table = MakeTable(TableConfig::Queue("q", 1));
  ASSERT_TRUE(table->Insert(Item(1), Now()).ok());
  absl::Status inserted;
  std::thread inserter([&] { inserted = table->Insert(Item(2), Forever()); });
  WaitForBlockedInserts(*table, 1);
  auto sampled = table->Sample(1, Now());
  ASSERT_TRUE(sampled.ok());
  EXPECT_THAT(Keys(*sampled), ElementsAre(1));
  inserter.join();
  EXPECT_TRUE(inserted.ok()) << inserted;
  sampled = table->Sample(1, Now());
  ASSERT_TRUE(sampled.ok());
  EXPECT_THAT(Keys(*sampled), ElementsAre(2));
}

TEST(TableBlockingTest, ABlockedSampleIsWokenWhenTheTableReachesMinSize) {
  TableConfig config = Config("min", 10);
  config.rate_limiter = RateLimiterConfig::MinSize(2);
  auto table = MakeTable(config);
  absl::StatusOr<std::vector<SampledItem>> sampled;
  std::thread sampler([&] { sampled = table->Sample(1, Forever()); });
  WaitForBlockedSamples(*table, 1);
  ASSERT_TRUE(table->Insert(Item(1), Now()).ok());
  // Still one short: the sampler is still counted as waiting.
  EXPECT_EQ(table->Info().blocked_samples, 1);
  ASSERT_TRUE(table->Insert(Item(2), Now()).ok());
  sampler.join();
  ASSERT_TRUE(sampled.ok()) << sampled.status();
}

TEST(TableBlockingTest, ManyProducersAndConsumersOfAQueueSeeEveryItemOnce) {
  auto table = MakeTable(TableConfig::Queue("q", 2));
  constexpr int kThreads = 4;
  constexpr uint64_t kItemsPerProducer = 200;
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> consumed(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t i = 0; i < kItemsPerProducer; ++i) {
        EXPECT_TRUE(table->Insert(Item(t * 1000 + i), Forever()).ok());
      }
    });
    threads.emplace_back([&, t] {
      for (uint64_t i = 0; i < kItemsPerProducer; ++i) {
        auto sampled = table->Sample(1, Forever());
        ASSERT_TRUE(sampled.ok()) << sampled.status();
        consumed[t].push_back((*sampled)[0].key);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::vector<uint64_t> all;
  for (const auto& keys : consumed) all.insert(all.end(), keys.begin(), keys.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), kThreads * kItemsPerProducer);
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "an item sampled twice";
  const TableInfo info = table->Info();
  EXPECT_EQ(info.inserts, static_cast<int64_t>(kThreads * kItemsPerProducer));
  EXPECT_EQ(info.samples, info.inserts);
  EXPECT_EQ(info.size, 0);
}

TEST(TableBlockingTest, ConcurrentOperationsOfEveryKindKeepTheTableConsistent) {
  // Under TSan this is the race check of the whole table: every operation from four
  // threads at once on a prioritized table that evicts and removes as it goes.
  TableConfig config = Config("mixed", 50);
  config.sampler = Selector::Prioritized(0.8);
  config.remover = Selector::MinHeap();
  config.max_times_sampled = 3;
  config.rate_limiter = RateLimiterConfig::SampleToInsertRatio(1.0, 5, 40.0);
  auto table = MakeTable(config);
  constexpr int kThreads = 4;
  constexpr int kSteps = 1500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Short deadlines: a step the limiter refuses just moves on.
      const auto soon = [] { return absl::Now() + absl::Milliseconds(1); };
      for (int step = 0; step < kSteps; ++step) {
        const uint64_t key = static_cast<uint64_t>((t * kSteps + step) % 400);
        switch (step % 6) {
          case 0: {
            const absl::Status status = table->Insert(Item(key, 1.0 + step % 7), soon());
            EXPECT_TRUE(status.ok() || absl::IsDeadlineExceeded(status)) << status;
            break;
          }
          case 1: {
            std::vector<TableItem> batch = {Item(key, 1.0), Item(key + 1, 2.0), Item(key + 2)};
            size_t inserted = 0;
            EXPECT_TRUE(table->InsertWhileAllowed(absl::MakeSpan(batch), &inserted).ok());
            break;
          }
          case 2: {
            const auto sampled = table->Sample(4, soon());
            EXPECT_TRUE(sampled.ok() || absl::IsDeadlineExceeded(sampled.status()))
                << sampled.status();
            break;
          }
          case 3:
            EXPECT_TRUE(table->UpdatePriorities({{key, 2.0}, {key + 1, 0.0}}).ok());
            break;
          case 4:
            EXPECT_TRUE(table->Delete({key + 7}).ok());
            break;
          case 5: {
            TableCheckpoint checkpoint;
            EXPECT_TRUE(table->Save(&checkpoint).ok());
            EXPECT_LE(checkpoint.items_size(), 50);
            EXPECT_GE(table->Info().size, 0);
            break;
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  TableCheckpoint checkpoint;
  ASSERT_TRUE(table->Save(&checkpoint).ok());
  const TableInfo info = table->Info();
  EXPECT_EQ(info.size, checkpoint.items_size());
  EXPECT_EQ(info.blocked_inserts + info.blocked_samples, 0);
  for (const TableItemProto& item : checkpoint.items()) EXPECT_LT(item.times_sampled(), 3);
  // The selectors agree with the items: a restored copy holds the same, and every item can
  // be drawn until the table is empty.
  TableConfig drain = config;
  drain.rate_limiter = RateLimiterConfig::MinSize(1);
  drain.max_times_sampled = 1;
  auto copy = RestoreOf(drain, checkpoint);
  int64_t drawn = 0;
  while (copy->Info().size > 0 && drawn <= checkpoint.items_size()) {
    ASSERT_TRUE(copy->Sample(1, Now()).ok());
    ++drawn;
  }
  EXPECT_EQ(drawn, checkpoint.items_size());
}

TEST(TableBlockingTest, CloseEndsEveryWaitWithItsStatusAndRefusesLaterCalls) {
  // Two tables: one whose inserts wait (full queue), one whose samples wait (empty).
  auto full = MakeTable(TableConfig::Queue("full", 1));
  ASSERT_TRUE(full->Insert(Item(1), Now()).ok());
  auto empty = MakeTable(TableConfig::Queue("empty", 1));
  constexpr int kWaiters = 3;
  std::vector<absl::Status> insert_results(kWaiters);
  std::vector<absl::Status> sample_results(kWaiters);
  std::vector<std::thread> threads;
  for (int i = 0; i < kWaiters; ++i) {
    threads.emplace_back([&, i] { insert_results[i] = full->Insert(Item(10 + i), Forever()); });
    threads.emplace_back([&, i] { sample_results[i] = empty->Sample(1, Forever()).status(); });
  }
  WaitForBlockedInserts(*full, kWaiters);
  WaitForBlockedSamples(*empty, kWaiters);
  const absl::Status stop = absl::CancelledError("the program is stopping");
  full->Close(stop);
  empty->Close(stop);
  for (std::thread& thread : threads) thread.join();
  for (int i = 0; i < kWaiters; ++i) {
    EXPECT_EQ(insert_results[i], stop);
    EXPECT_EQ(sample_results[i], stop);
  }
  EXPECT_EQ(full->Sample(1, Forever()).status(), stop);
  EXPECT_EQ(empty->Insert(Item(2), Forever()), stop);
  EXPECT_EQ(full->UpdatePriorities({{1, 2.0}}).status(), stop);
  EXPECT_EQ(full->Delete({1}).status(), stop);
  EXPECT_EQ(full->Reset(), stop);
  // A second Close does not replace the first status; Info and Save still work.
  full->Close(absl::InternalError("later"));
  EXPECT_EQ(full->Sample(1, Now()).status(), stop);
  const TableInfo info = full->Info();
  EXPECT_TRUE(info.closed);
  EXPECT_EQ(info.size, 1);
  EXPECT_EQ(info.blocked_inserts, 0);
  TableCheckpoint checkpoint;
  EXPECT_TRUE(full->Save(&checkpoint).ok());
  EXPECT_EQ(checkpoint.items_size(), 1);
}

TEST(TableBlockingTest, CloseWithOkStillFailsTheWaiters) {
  auto table = MakeTable(TableConfig::Queue("q", 1));
  table->Close(absl::OkStatus());
  const absl::Status status = table->Sample(1, Forever()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_THAT(status.message(), HasSubstr("'q' was closed"));
}

TEST(TableBlockingTest, ResetWakesBlockedInsertsToRecheck) {
  auto table = MakeTable(TableConfig::Queue("q", 1));
  ASSERT_TRUE(table->Insert(Item(1), Now()).ok());
  absl::Status inserted;
  std::thread inserter([&] { inserted = table->Insert(Item(2), Forever()); });
  WaitForBlockedInserts(*table, 1);
  ASSERT_TRUE(table->Reset().ok());
  inserter.join();
  EXPECT_TRUE(inserted.ok()) << inserted;
  const TableInfo info = table->Info();
  EXPECT_EQ(info.size, 1);
  EXPECT_EQ(info.inserts, 1);
}

TEST(TableBlockingTest, DeleteWakesInsertsWaitingBelowMinSize) {
  // Queue(1) full: a Delete empties it, and an insert into a table below
  // min_size_to_sample is free whatever the counts.
  auto table = MakeTable(TableConfig::Queue("q", 1));
  ASSERT_TRUE(table->Insert(Item(1), Now()).ok());
  absl::Status inserted;
  std::thread inserter([&] { inserted = table->Insert(Item(2), Forever()); });
  WaitForBlockedInserts(*table, 1);
  ASSERT_TRUE(table->Delete({1}).ok());
  inserter.join();
  EXPECT_TRUE(inserted.ok()) << inserted;
}

}  // namespace
}  // namespace lp::replay
