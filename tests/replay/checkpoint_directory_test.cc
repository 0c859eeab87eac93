// CheckpointDirectory alone: numbering, reading back, pruning, and what a reader skips
// (temporary files of a writer killed mid-write, damaged files).

#include "src/replay/node/checkpoint_directory.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace lp::replay {
namespace {

using ::lp::testing::TempDir;

TableCheckpoint Table(const std::string& name, int items) {
  TableCheckpoint table;
  table.mutable_config()->set_name(name);
  for (int i = 0; i < items; ++i) {
    TableItemProto* item = table.add_items();
    item->set_key(static_cast<uint64_t>(i + 1));
    item->set_priority(0.5);
    item->mutable_data()->set_string_value(std::string(1000, 'x'));
  }
  table.set_inserts(items);
  return table;
}

TEST(CheckpointDirectoryTest, NewestReadsBackTheLastWrite) {
  TempDir dir;
  CheckpointDirectory checkpoints(dir.path() + "/sub", 2);
  ASSERT_FALSE(checkpoints.Newest().value().has_value()) << "no directory: no checkpoint";
  absl::StatusOr<std::string> first = checkpoints.Write({Table("a", 1)});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(std::filesystem::path(*first).filename(), "checkpoint-000000000001.replay");
  absl::StatusOr<std::string> second = checkpoints.Write({Table("a", 3), Table("b", 0)});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(std::filesystem::path(*second).filename(), "checkpoint-000000000002.replay");

  std::optional<LoadedCheckpoint> newest = checkpoints.Newest().value();
  ASSERT_TRUE(newest.has_value());
  EXPECT_EQ(newest->path, *second);
  ASSERT_EQ(newest->tables.size(), 2u);
  EXPECT_EQ(newest->tables[0].config().name(), "a");
  EXPECT_EQ(newest->tables[0].items_size(), 3);
  EXPECT_EQ(newest->tables[0].items(2).data().string_value(), std::string(1000, 'x'));
  EXPECT_EQ(newest->tables[1].config().name(), "b");
}

TEST(CheckpointDirectoryTest, KeepsOnlyTheNewest) {
  TempDir dir;
  CheckpointDirectory checkpoints(dir.path(), 2);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(checkpoints.Write({Table("a", i)}).ok());
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"checkpoint-000000000004.replay",
                                              "checkpoint-000000000005.replay"}));
}

TEST(CheckpointDirectoryTest, SkipsTemporaryAndDamagedFiles) {
  TempDir dir;
  CheckpointDirectory checkpoints(dir.path(), 5);
  absl::StatusOr<std::string> good = checkpoints.Write({Table("a", 2)});
  ASSERT_TRUE(good.ok());
  // A later checkpoint cut short (a copy that stopped half way), and a writer's
  // temporary file: neither is a complete checkpoint.
  const std::string damaged = dir.path() + "/checkpoint-000000000002.replay";
  {
    std::ifstream in(*good, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(damaged, std::ios::binary) << bytes.substr(0, bytes.size() - 40);
    std::ofstream(dir.path() + "/.checkpoint-000000000003.replay.tmp-1", std::ios::binary)
        << bytes;
  }
  std::optional<LoadedCheckpoint> newest = checkpoints.Newest().value();
  ASSERT_TRUE(newest.has_value());
  EXPECT_EQ(newest->path, *good);
  // The next checkpoint is numbered past the damaged one.
  absl::StatusOr<std::string> next = checkpoints.Write({Table("a", 1)});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(std::filesystem::path(*next).filename(), "checkpoint-000000000003.replay");
  EXPECT_EQ(checkpoints.Newest().value()->path, *next);
}

}  // namespace
}  // namespace lp::replay
