// What the replay table tests share: items with data, configs, and waiting for a table's
// observable state (blocked callers) with a generous deadline.
#ifndef LP_TESTS_REPLAY_TABLE_SUPPORT_H_
#define LP_TESTS_REPLAY_TABLE_SUPPORT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "courier/courier.pb.h"
#include "gtest/gtest.h"
#include "src/replay/table.h"

namespace lp::replay::testing {

// A Courier string value naming the item, so that tests can tell data apart.
inline std::shared_ptr<const courier::SerializedObject> Data(const std::string& text) {
  auto data = std::make_shared<courier::SerializedObject>();
  data->set_string_value(text);
  return data;
}

inline TableItem Item(uint64_t key, double priority = 1.0) {
  return TableItem{key, priority, Data("item " + std::to_string(key))};
}

inline TableConfig Config(const std::string& name, int64_t max_size) {
  TableConfig config;
  config.name = name;
  config.max_size = max_size;
  config.seed = 42;
  return config;
}

inline std::unique_ptr<Table> MakeTable(const TableConfig& config) {
  absl::StatusOr<std::unique_ptr<Table>> table = Table::Create(config);
  EXPECT_TRUE(table.ok()) << table.status();
  return table.ok() ? std::move(*table) : nullptr;
}

// Never wait: the rate limiter's answer now.
inline absl::Time Now() { return absl::InfinitePast(); }

inline std::vector<uint64_t> Keys(const std::vector<SampledItem>& items) {
  std::vector<uint64_t> keys;
  for (const SampledItem& item : items) keys.push_back(item.key);
  return keys;
}

// Polls `condition` (a state the table reports, e.g. a caller counted as blocked) until it
// holds; fails the test after a minute, which no loaded machine needs.
inline void WaitUntil(const std::function<bool()>& condition, const std::string& what) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "timed out waiting until " << what;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace lp::replay::testing

#endif  // LP_TESTS_REPLAY_TABLE_SUPPORT_H_
