// One replay table's operations without waiting: each sampler and remover seen through
// the table, max_times_sampled, the probabilities Sample reports, updates, deletes,
// reset and info. (Blocking: table_blocking_test.cc; checkpoints: checkpoint_test.cc.)
#include "src/replay/table.h"

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/replay/table_support.h"

namespace lp::replay {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using testing::Config;
using testing::Data;
using testing::Item;
using testing::Keys;
using testing::MakeTable;
using testing::Now;

// The keys the table holds, oldest first, as Save lists them (sampling would change them).
std::vector<uint64_t> HeldKeys(const Table& table) {
  TableCheckpoint checkpoint;
  EXPECT_TRUE(table.Save(&checkpoint).ok());
  std::vector<uint64_t> keys;
  for (const TableItemProto& item : checkpoint.items()) keys.push_back(item.key());
  return keys;
}

TEST(TableTest, CreateRefusesAnInvalidConfig) {
  TableConfig config = Config("bad", 0);
  absl::StatusOr<std::unique_ptr<Table>> table = Table::Create(config);
  EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(table.status().message(), HasSubstr("'bad': max_size is 0"));
}

TEST(TableTest, SampleReturnsDataPriorityTimesSampledAndSize) {
  auto table = MakeTable(Config("t", 10));
  ASSERT_TRUE(table->Insert(Item(7, 2.5), Now()).ok());
  auto sampled = table->Sample(3, Now());
  ASSERT_TRUE(sampled.ok()) << sampled.status();
  ASSERT_EQ(sampled->size(), 3u);  // with replacement
  for (int i = 0; i < 3; ++i) {
    const SampledItem& item = (*sampled)[i];
    EXPECT_EQ(item.key, 7u);
    EXPECT_EQ(item.priority, 2.5);
    EXPECT_EQ(item.times_sampled, i + 1);
    EXPECT_EQ(item.probability, 1.0);
    EXPECT_EQ(item.table_size, 1);
    EXPECT_EQ(item.data->string_value(), "item 7");
  }
}

TEST(TableTest, TheDataIsSharedNotCopied) {
  auto table = MakeTable(Config("t", 10));
  auto data = Data("shared");
  ASSERT_TRUE(table->Insert(TableItem{1, 1.0, data}, Now()).ok());
  auto sampled = table->Sample(1, Now());
  ASSERT_TRUE(sampled.ok());
  EXPECT_EQ((*sampled)[0].data.get(), data.get());
}

TEST(TableTest, UniformSamplerReportsOneOverSize) {
  auto table = MakeTable(Config("t", 10));
  for (uint64_t key = 0; key < 4; ++key) ASSERT_TRUE(table->Insert(Item(key), Now()).ok());
  auto sampled = table->Sample(100, Now());
  ASSERT_TRUE(sampled.ok());
  std::map<uint64_t, int> counts;
  for (const SampledItem& item : *sampled) {
    EXPECT_EQ(item.probability, 0.25);
    ++counts[item.key];
  }
  EXPECT_EQ(counts.size(), 4u);  // 100 draws of 4 keys with seed 42 reach every key
}

TEST(TableTest, PrioritizedSamplerReportsItsProbabilitiesAndFollowsThem) {
  TableConfig config = Config("t", 10);
  config.sampler = Selector::Prioritized(1.0);
  auto table = MakeTable(config);
  ASSERT_TRUE(table->Insert(Item(1, 1.0), Now()).ok());
  ASSERT_TRUE(table->Insert(Item(2, 3.0), Now()).ok());
  ASSERT_TRUE(table->Insert(Item(3, 0.0), Now()).ok());
  std::map<uint64_t, int> counts;
  for (int i = 0; i < 40; ++i) {
    auto sampled = table->Sample(100, Now());
    ASSERT_TRUE(sampled.ok());
    for (const SampledItem& item : *sampled) {
      EXPECT_EQ(item.probability, item.key == 1 ? 0.25 : 0.75) << item.key;
      ++counts[item.key];
    }
  }
  EXPECT_FALSE(counts.contains(3));
  // 4000 draws at 3/4: ~3000 of key 2 (sd 27), deterministic with the seed.
  EXPECT_GT(counts[2], 2850);
  EXPECT_LT(counts[2], 3150);
}

TEST(TableTest, FifoAndLifoSamplersTakeTheOldestAndTheNewest) {
  for (bool fifo : {true, false}) {
    TableConfig config = Config("t", 10);
    config.sampler = fifo ? Selector::Fifo() : Selector::Lifo();
    config.max_times_sampled = 1;
    auto table = MakeTable(config);
    for (uint64_t key : {4, 2, 8}) ASSERT_TRUE(table->Insert(Item(key), Now()).ok());
    auto sampled = table->Sample(3, Now());
    ASSERT_TRUE(sampled.ok());
    EXPECT_THAT(Keys(*sampled), fifo ? ElementsAre(4, 2, 8) : ElementsAre(8, 2, 4));
    EXPECT_EQ((*sampled)[0].table_size, 3);
    EXPECT_EQ((*sampled)[2].table_size, 1);
  }
}

TEST(TableTest, HeapSamplersTakeTheLowestAndTheHighestPriority) {
  for (bool min : {true, false}) {
    TableConfig config = Config("t", 10);
    config.sampler = min ? Selector::MinHeap() : Selector::MaxHeap();
    config.max_times_sampled = 1;
    auto table = MakeTable(config);
    ASSERT_TRUE(table->Insert(Item(1, 5.0), Now()).ok());
    ASSERT_TRUE(table->Insert(Item(2, 1.0), Now()).ok());
    ASSERT_TRUE(table->Insert(Item(3, 9.0), Now()).ok());
    auto sampled = table->Sample(3, Now());
    ASSERT_TRUE(sampled.ok());
    EXPECT_THAT(Keys(*sampled), min ? ElementsAre(2, 1, 3) : ElementsAre(3, 1, 2));
  }
}

// Fills a table of max_size 3 with `remover` with keys 1, 2, 3 (priorities 5, 1, 9),
// inserts key 4 and returns the keys left.
std::vector<uint64_t> KeysAfterOverflow(const Selector& remover) {
  TableConfig config = Config("t", 3);
  config.remover = remover;
  auto table = MakeTable(config);
  EXPECT_TRUE(table->Insert(Item(1, 5.0), Now()).ok());
  EXPECT_TRUE(table->Insert(Item(2, 1.0), Now()).ok());
  EXPECT_TRUE(table->Insert(Item(3, 9.0), Now()).ok());
  EXPECT_TRUE(table->Insert(Item(4, 4.0), Now()).ok());
  EXPECT_EQ(table->Info().deletes, 1);
  return HeldKeys(*table);
}

TEST(TableTest, EachRemoverEvictsItsPickWhenTheTableIsFull) {
  EXPECT_THAT(KeysAfterOverflow(Selector::Fifo()), ElementsAre(2, 3, 4));
  EXPECT_THAT(KeysAfterOverflow(Selector::Lifo()), ElementsAre(1, 2, 4));
  EXPECT_THAT(KeysAfterOverflow(Selector::MinHeap()), ElementsAre(1, 3, 4));
  EXPECT_THAT(KeysAfterOverflow(Selector::MaxHeap()), ElementsAre(1, 2, 4));
  // Prioritized with 1, 0, 0: always key 1. Uniform: one of the three.
  TableConfig config = Config("t", 3);
  config.remover = Selector::Prioritized(1.0);
  auto table = MakeTable(config);
  ASSERT_TRUE(table->Insert(Item(1, 1.0), Now()).ok());
  ASSERT_TRUE(table->Insert(Item(2, 0.0), Now()).ok());
  ASSERT_TRUE(table->Insert(Item(3, 0.0), Now()).ok());
  ASSERT_TRUE(table->Insert(Item(4, 0.0), Now()).ok());
  EXPECT_THAT(HeldKeys(*table), ElementsAre(2, 3, 4));
  const std::vector<uint64_t> uniform = KeysAfterOverflow(Selector::Uniform());
  EXPECT_EQ(uniform.size(), 3u);
  EXPECT_EQ(uniform.back(), 4u);
}

TEST(TableTest, AnItemSampledMaxTimesSampledTimesLeavesTheTable) {
  TableConfig config = Config("t", 10);
  config.max_times_sampled = 3;
  auto table = MakeTable(config);
  ASSERT_TRUE(table->Insert(Item(1), Now()).ok());
  ASSERT_TRUE(table->Insert(Item(2), Now()).ok());
  int64_t samples_of_1 = 0;
  // 6 samples empty the table; the bound only keeps a broken table from looping forever.
  for (int i = 0; i < 100 && table->Info().size > 0; ++i) {
    auto sampled = table->Sample(1, Now());
    ASSERT_TRUE(sampled.ok()) << sampled.status();
    const SampledItem& item = (*sampled)[0];
    EXPECT_LE(item.times_sampled, 3);
    if (item.key == 1) ++samples_of_1;
  }
  EXPECT_EQ(samples_of_1, 3);
  const TableInfo info = table->Info();
  EXPECT_EQ(info.size, 0);
  EXPECT_EQ(info.samples, 6);
  EXPECT_EQ(info.deletes, 2);
  // Empty: the next sample may not proceed (MinSize(1)).
  EXPECT_EQ(table->Sample(1, Now()).status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST(TableTest, ABatchStopsWhenItsItemsRunOut) {
  TableConfig config = Config("t", 10);
  config.max_times_sampled = 1;
  auto table = MakeTable(config);
  ASSERT_TRUE(table->Insert(Item(1), Now()).ok());
  ASSERT_TRUE(table->Insert(Item(2), Now()).ok());
  auto sampled = table->Sample(64, Now());
  ASSERT_TRUE(sampled.ok());
  EXPECT_THAT(Keys(*sampled), UnorderedElementsAre(1, 2));
  // A huge request is no huge allocation: it gets what there is.
  ASSERT_TRUE(table->Insert(Item(3), Now()).ok());
  sampled = table->Sample(int64_t{1} << 60, Now());
  ASSERT_TRUE(sampled.ok());
  EXPECT_THAT(Keys(*sampled), ElementsAre(3));
}

TEST(TableTest, InsertingAnExistingKeyUpdatesItInPlace) {
  TableConfig config = Config("t", 10);
  config.sampler = Selector::Fifo();
  auto table = MakeTable(config);
  ASSERT_TRUE(table->Insert(Item(1, 1.0), Now()).ok());
  ASSERT_TRUE(table->Insert(Item(2, 1.0), Now()).ok());
  ASSERT_TRUE(table->Sample(1, Now()).ok());
  ASSERT_TRUE(table->Insert(TableItem{1, 8.0, Data("new")}, Now()).ok());
  const TableInfo info = table->Info();
  EXPECT_EQ(info.size, 2);
  EXPECT_EQ(info.inserts, 2);  // an update is no insert
  auto sampled = table->Sample(1, Now());
  ASSERT_TRUE(sampled.ok());
  EXPECT_EQ((*sampled)[0].key, 1u);  // still the oldest
  EXPECT_EQ((*sampled)[0].priority, 8.0);
  EXPECT_EQ((*sampled)[0].times_sampled, 2);
  EXPECT_EQ((*sampled)[0].data->string_value(), "new");
}

TEST(TableTest, BadItemsAreRefused) {
  TableConfig config = Config("t", 10);
  config.sampler = Selector::Prioritized(2.0);
  auto table = MakeTable(config);
  EXPECT_THAT(table->Insert(Item(1, -1.0), Now()).message(),
              HasSubstr("'t': priority -1 is not a finite number >= 0"));
  EXPECT_EQ(table->Insert(Item(1, std::nan("")), Now()).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(table->Insert(Item(1, 1e200), Now()).message(), HasSubstr("overflows"));
  EXPECT_THAT(table->Insert(TableItem{1, 1.0, nullptr}, Now()).message(),
              HasSubstr("without data"));
  EXPECT_THAT(table->Sample(0, Now()).status().message(), HasSubstr("ask for >= 1"));
  EXPECT_EQ(table->Info().size, 0);
}

TEST(TableTest, InsertWhileAllowedInsertsABatchAsInsertWouldItemByItem) {
  // A full FIFO table of 3: a batch of 4 evicts the oldest items as it goes, and a key it
  // repeats (or the table holds) is an update in place.
  TableConfig config = Config("t", 3);
  config.sampler = Selector::Fifo();
  config.remover = Selector::Fifo();
  config.max_times_sampled = 1;  // so that a sample of 3 shows the 3 items held
  auto table = MakeTable(config);
  ASSERT_TRUE(table->Insert(Item(1), Now()).ok());
  ASSERT_TRUE(table->Insert(Item(2), Now()).ok());
  std::vector<TableItem> batch = {Item(3), Item(4), TableItem{3, 5.0, Data("3 again")},
                                  TableItem{4, 6.0, Data("4 again")}};
  size_t inserted = 0;
  ASSERT_TRUE(table->InsertWhileAllowed(absl::MakeSpan(batch), &inserted).ok());
  EXPECT_EQ(inserted, 4u);
  const TableInfo info = table->Info();
  EXPECT_EQ(info.size, 3);
  EXPECT_EQ(info.inserts, 4);  // 1, 2, 3, 4: the updates are no inserts
  EXPECT_EQ(info.deletes, 1);  // 1 evicted
  auto sampled = table->Sample(3, Now());
  ASSERT_TRUE(sampled.ok());
  ASSERT_THAT(Keys(*sampled), ElementsAre(2, 3, 4));
  EXPECT_EQ((*sampled)[1].priority, 5.0);
  EXPECT_EQ((*sampled)[1].data->string_value(), "3 again");
  EXPECT_EQ((*sampled)[2].data->string_value(), "4 again");
}

TEST(TableTest, InsertWhileAllowedStopsAtABadItemHavingInsertedThoseBefore) {
  auto table = MakeTable(Config("t", 10));
  std::vector<TableItem> batch = {Item(1), Item(2), Item(3, -1.0), Item(4)};
  size_t inserted = 99;
  const absl::Status status = table->InsertWhileAllowed(absl::MakeSpan(batch), &inserted);
  EXPECT_THAT(status.message(), HasSubstr("priority -1 is not a finite number >= 0"));
  EXPECT_EQ(inserted, 2u);
  EXPECT_EQ(table->Info().size, 2);
  batch = {TableItem{5, 1.0, nullptr}};
  EXPECT_THAT(table->InsertWhileAllowed(absl::MakeSpan(batch), &inserted).message(),
              HasSubstr("without data"));
  EXPECT_EQ(inserted, 0u);
  table->Close(absl::CancelledError("closed for the test"));
  batch = {Item(6)};
  EXPECT_EQ(table->InsertWhileAllowed(absl::MakeSpan(batch), &inserted).message(),
            "closed for the test");
  EXPECT_EQ(inserted, 0u);
  EXPECT_EQ(table->Info().size, 2);
}

TEST(TableTest, UpdatePrioritiesChangesSamplingAndCountsUnknownKeys) {
  TableConfig config = Config("t", 10);
  config.sampler = Selector::MaxHeap();
  auto table = MakeTable(config);
  ASSERT_TRUE(table->Insert(Item(1, 5.0), Now()).ok());
  ASSERT_TRUE(table->Insert(Item(2, 1.0), Now()).ok());
  absl::StatusOr<int64_t> unknown = table->UpdatePriorities({{2, 7.0}, {99, 1.0}, {98, 2.0}});
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(*unknown, 2);
  auto sampled = table->Sample(1, Now());
  ASSERT_TRUE(sampled.ok());
  EXPECT_EQ((*sampled)[0].key, 2u);
  EXPECT_EQ((*sampled)[0].priority, 7.0);
  // A bad priority anywhere changes nothing.
  EXPECT_EQ(table->UpdatePriorities({{1, 100.0}, {2, -1.0}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  sampled = table->Sample(1, Now());
  ASSERT_TRUE(sampled.ok());
  EXPECT_EQ((*sampled)[0].key, 2u);
}

TEST(TableTest, UpdatedPrioritiesChangeTheReportedProbability) {
  TableConfig config = Config("t", 10);
  config.sampler = Selector::Prioritized(1.0);
  auto table = MakeTable(config);
  ASSERT_TRUE(table->Insert(Item(1, 1.0), Now()).ok());
  ASSERT_TRUE(table->Insert(Item(2, 1.0), Now()).ok());
  ASSERT_TRUE(table->UpdatePriorities({{1, 0.0}}).ok());
  auto sampled = table->Sample(10, Now());
  ASSERT_TRUE(sampled.ok());
  for (const SampledItem& item : *sampled) {
    EXPECT_EQ(item.key, 2u);
    EXPECT_EQ(item.probability, 1.0);
  }
}

TEST(TableTest, DeleteRemovesKnownKeysAndCountsThem) {
  auto table = MakeTable(Config("t", 10));
  for (uint64_t key = 1; key <= 4; ++key) ASSERT_TRUE(table->Insert(Item(key), Now()).ok());
  absl::StatusOr<int64_t> deleted = table->Delete({2, 4, 77});
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 2);
  EXPECT_THAT(HeldKeys(*table), ElementsAre(1, 3));
  auto sampled = table->Sample(50, Now());
  ASSERT_TRUE(sampled.ok());
  for (const SampledItem& item : *sampled) EXPECT_TRUE(item.key == 1 || item.key == 3);
  const TableInfo info = table->Info();
  EXPECT_EQ(info.inserts, 4);
  EXPECT_EQ(info.deletes, 2);
  EXPECT_EQ(info.size, 2);
}

TEST(TableTest, ResetClearsItemsAndCounters) {
  TableConfig config = Config("t", 10);
  config.sampler = Selector::Prioritized(1.0);
  auto table = MakeTable(config);
  for (uint64_t key = 1; key <= 4; ++key) ASSERT_TRUE(table->Insert(Item(key), Now()).ok());
  ASSERT_TRUE(table->Sample(5, Now()).ok());
  ASSERT_TRUE(table->Reset().ok());
  TableInfo info = table->Info();
  EXPECT_EQ(info.size, 0);
  EXPECT_EQ(info.inserts, 0);
  EXPECT_EQ(info.samples, 0);
  EXPECT_EQ(info.deletes, 0);
  EXPECT_EQ(table->Sample(1, Now()).status().code(), absl::StatusCode::kDeadlineExceeded);
  ASSERT_TRUE(table->Insert(Item(9, 2.0), Now()).ok());
  auto sampled = table->Sample(1, Now());
  ASSERT_TRUE(sampled.ok());
  EXPECT_EQ((*sampled)[0].key, 9u);
  EXPECT_EQ((*sampled)[0].probability, 1.0);
  EXPECT_EQ((*sampled)[0].times_sampled, 1);
}

TEST(TableTest, InfoReportsConfigAndCounters) {
  TableConfig config = Config("info", 10);
  config.rate_limiter = RateLimiterConfig::SampleToInsertRatio(2.0, 1, 10.0);
  auto table = MakeTable(config);
  ASSERT_TRUE(table->Insert(Item(1), Now()).ok());
  ASSERT_TRUE(table->Insert(Item(2), Now()).ok());
  ASSERT_TRUE(table->Sample(3, Now()).ok());
  const TableInfo info = table->Info();
  EXPECT_EQ(info.config, config);
  EXPECT_EQ(info.size, 2);
  EXPECT_EQ(info.inserts, 2);
  EXPECT_EQ(info.samples, 3);
  EXPECT_EQ(info.deletes, 0);
  EXPECT_EQ(info.blocked_inserts, 0);
  EXPECT_EQ(info.blocked_samples, 0);
  EXPECT_FALSE(info.closed);
}

TEST(TableTest, TheSameSeedDrawsTheSameItems) {
  TableConfig config = Config("t", 100);
  config.sampler = Selector::Prioritized(0.7);
  auto draw = [&config] {
    auto table = MakeTable(config);
    for (uint64_t key = 0; key < 50; ++key) {
      EXPECT_TRUE(table->Insert(Item(key, 1.0 + static_cast<double>(key % 7)), Now()).ok());
    }
    return Keys(*table->Sample(200, Now()));
  };
  EXPECT_EQ(draw(), draw());
}

}  // namespace
}  // namespace lp::replay
