// Table::Save and Table::Restore: what a checkpoint holds, the round trip (items, their
// times_sampled, order and data, the counters), and restoring under a changed config.
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/replay/config_proto.h"
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

TableCheckpoint SaveOf(const Table& table) {
  TableCheckpoint checkpoint;
  EXPECT_TRUE(table.Save(&checkpoint).ok());
  return checkpoint;
}

std::unique_ptr<Table> RestoreOf(const TableConfig& config, const TableCheckpoint& checkpoint) {
  absl::StatusOr<std::unique_ptr<Table>> table = Table::Restore(config, checkpoint);
  EXPECT_TRUE(table.ok()) << table.status();
  return table.ok() ? std::move(*table) : nullptr;
}

TEST(CheckpointTest, SaveWritesConfigItemsOldestFirstAndCounters) {
  TableConfig config = Config("saved", 3);
  config.sampler = Selector::Prioritized(0.5);
  config.rate_limiter = RateLimiterConfig::SampleToInsertRatio(1.5, 1, 10.0);
  auto table = MakeTable(config);
  for (uint64_t key : {30, 10, 20, 40}) {  // 30 is evicted (FIFO remover)
    ASSERT_TRUE(table->Insert(Item(key, static_cast<double>(key)), Now()).ok());
  }
  ASSERT_TRUE(table->Sample(4, Now()).ok());
  const TableCheckpoint checkpoint = SaveOf(*table);
  EXPECT_EQ(checkpoint.config().name(), "saved");
  EXPECT_EQ(checkpoint.config().max_size(), 3);
  EXPECT_EQ(checkpoint.config().sampler().kind(), SelectorProto::PRIORITIZED);
  EXPECT_EQ(checkpoint.config().sampler().priority_exponent(), 0.5);
  EXPECT_EQ(checkpoint.config().rate_limiter().samples_per_insert(), 1.5);
  EXPECT_EQ(checkpoint.inserts(), 4);
  EXPECT_EQ(checkpoint.samples(), 4);
  EXPECT_EQ(checkpoint.deletes(), 1);
  ASSERT_EQ(checkpoint.items_size(), 3);
  std::vector<uint64_t> keys;
  int64_t times_sampled = 0;
  for (const TableItemProto& item : checkpoint.items()) {
    keys.push_back(item.key());
    EXPECT_EQ(item.priority(), static_cast<double>(item.key()));
    EXPECT_EQ(item.data().string_value(), "item " + std::to_string(item.key()));
    times_sampled += item.times_sampled();
  }
  EXPECT_THAT(keys, ElementsAre(10, 20, 40));
  EXPECT_EQ(times_sampled, 4);
}

TEST(CheckpointTest, RestoreRoundTripsItemsTimesSampledAndCounters) {
  TableConfig config = Config("round", 100);
  config.sampler = Selector::Prioritized(1.0);
  config.max_times_sampled = 50;
  auto table = MakeTable(config);
  for (uint64_t key = 1; key <= 20; ++key) {
    ASSERT_TRUE(table->Insert(Item(key, static_cast<double>(key % 5)), Now()).ok());
  }
  ASSERT_TRUE(table->Sample(30, Now()).ok());
  ASSERT_TRUE(table->Delete({3, 4}).ok());
  const TableCheckpoint saved = SaveOf(*table);

  auto restored = RestoreOf(config, saved);
  const TableCheckpoint resaved = SaveOf(*restored);
  EXPECT_EQ(resaved.SerializeAsString(), saved.SerializeAsString());
  const TableInfo before = table->Info();
  const TableInfo after = restored->Info();
  EXPECT_EQ(after.size, before.size);
  EXPECT_EQ(after.inserts, 20);
  EXPECT_EQ(after.samples, 30);
  EXPECT_EQ(after.deletes, 2);
  // The restored table samples by the restored priorities.
  auto sampled = restored->Sample(20, Now());
  ASSERT_TRUE(sampled.ok());
  for (const SampledItem& item : *sampled) {
    EXPECT_NE(item.key % 5, 0u) << "priority 0 sampled";
    EXPECT_NEAR(item.probability, item.priority / 33.0, 1e-12);  // sum of key % 5 without keys 3, 4
  }
}

TEST(CheckpointTest, RestoredQueueKeepsItsOrderAndItsLimiterState) {
  const TableConfig config = TableConfig::Queue("queue", 3);
  auto table = MakeTable(config);
  for (uint64_t key = 1; key <= 3; ++key) ASSERT_TRUE(table->Insert(Item(key), Now()).ok());
  ASSERT_TRUE(table->Sample(1, Now()).ok());
  auto restored = RestoreOf(config, SaveOf(*table));
  // inserts=3, samples=1: one more insert fits, a second does not.
  ASSERT_TRUE(restored->Insert(Item(4), Now()).ok());
  EXPECT_EQ(restored->Insert(Item(5), Now()).code(), absl::StatusCode::kDeadlineExceeded);
  auto sampled = restored->Sample(10, Now());
  ASSERT_TRUE(sampled.ok());
  EXPECT_THAT(Keys(*sampled), ElementsAre(2, 3, 4));
}

TEST(CheckpointTest, RestoreIntoASmallerTableEvictsByTheNewRemover) {
  TableConfig config = Config("shrink", 10);
  auto table = MakeTable(config);
  for (uint64_t key = 1; key <= 6; ++key) {
    ASSERT_TRUE(table->Insert(Item(key, static_cast<double>(10 - key)), Now()).ok());
  }
  TableConfig smaller = config;
  smaller.max_size = 3;
  smaller.remover = Selector::MinHeap();  // drops the lowest priorities: keys 6, 5, 4
  auto restored = RestoreOf(smaller, SaveOf(*table));
  const TableCheckpoint checkpoint = SaveOf(*restored);
  std::vector<uint64_t> keys;
  for (const TableItemProto& item : checkpoint.items()) keys.push_back(item.key());
  EXPECT_THAT(keys, ElementsAre(1, 2, 3));
  EXPECT_EQ(checkpoint.config().max_size(), 3);
}

TEST(CheckpointTest, RestoreRefusesAnotherTablesCheckpointAndCorruptOnes) {
  auto table = MakeTable(Config("a", 10));
  ASSERT_TRUE(table->Insert(Item(1), Now()).ok());
  TableCheckpoint checkpoint = SaveOf(*table);
  absl::StatusOr<std::unique_ptr<Table>> other = Table::Restore(Config("b", 10), checkpoint);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(other.status().message(), HasSubstr("the checkpoint is of table 'a'"));

  *checkpoint.add_items() = checkpoint.items(0);
  EXPECT_THAT(Table::Restore(Config("a", 10), checkpoint).status().message(),
              HasSubstr("key 1 appears twice"));
  checkpoint.mutable_items()->RemoveLast();
  checkpoint.mutable_items(0)->set_priority(-3);
  EXPECT_THAT(Table::Restore(Config("a", 10), checkpoint).status().message(),
              HasSubstr("priority -3"));
  EXPECT_EQ(Table::Restore(Config("a", 0), SaveOf(*table)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CheckpointTest, ConfigSurvivesTheProtoButNotTheSeed) {
  TableConfig config = TableConfig::Stack("s", 7);
  config.sampler = Selector::Prioritized(0.25);
  config.remover = Selector::MaxHeap();
  config.rate_limiter = RateLimiterConfig::SampleToInsertRatio(3.0, 2, 5.0);
  config.seed = 9;
  TableConfig back = FromProto(ToProto(config));
  EXPECT_FALSE(back.seed.has_value());
  back.seed = 9;
  EXPECT_EQ(back, config);
}

}  // namespace
}  // namespace lp::replay
