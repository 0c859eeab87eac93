// The replay node end to end, over real sockets, under test_mt and test_mp: the typed
// client's operations, the plain Courier methods by name, timeouts, calls blocked in the
// node when the program stops, checkpoints across launches, and the RL shape (actors
// inserting, a learner sampling and updating priorities, then stopping the program).

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <functional>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lp/lp.h"
#include "lp/replay.h"
#include "tests/launch/launch_test_util.h"
#include "tests/support/courier_bytes_sent.h"
#include "tests/support/temp_dir.h"

namespace lp {
namespace {

using ::lp::testing::kGenerous;
using ::lp::testing::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;
using replay::RateLimiterConfig;
using replay::Selector;
using replay::TableConfig;

struct Step {
  int64_t actor = 0;
  std::vector<double> observation;
};
LP_SERIALIZABLE(Step, actor, observation);

TableConfig Prioritized(const std::string& name, int64_t max_size = 1000) {
  return TableConfig{.name = name,
                     .max_size = max_size,
                     .sampler = Selector::Prioritized(1.0),
                     .remover = Selector::Fifo(),
                     .rate_limiter = RateLimiterConfig::MinSize(1),
                     .seed = 7};
}

// Waits until `condition()` holds; false after kGenerous.
template <typename Condition>
bool Eventually(Condition condition) {
  const absl::Time deadline = absl::Now() + kGenerous;
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

class ReplayNodeTest : public ::testing::TestWithParam<LaunchType> {
 protected:
  LaunchOptions Options() const { return LaunchOptions{.launch_type = GetParam()}; }
};

TEST_P(ReplayNodeTest, ClientOperationsEndToEnd) {
  Program program("replay_ops");
  ReplayHandle handle =
      program.AddNode(ReplayNode({Prioritized("prio"), TableConfig::Queue("queue", 10)}), "replay");
  Controller controller = Launch(std::move(program), Options());
  ReplayClient replay = handle.Dereference();

  // A tensor into one table, under keys the client chose.
  const Tensor first(std::vector<float>{1, 2, 3}, {3});
  EXPECT_EQ(replay.Insert(first, {{"prio", 1.0}}, uint64_t{11}), 11u);
  EXPECT_EQ(replay.Insert(Tensor(std::vector<float>{4, 5, 6}, {3}), {{"prio", 3.0}}, uint64_t{12}),
            12u);
  // A struct into two tables at once, under a key the node picks.
  const uint64_t both = replay.Insert(Step{3, {0.5, 0.25}}, {{"prio", 0.0}, {"queue", 1.0}});

  std::vector<ReplaySample<Step>> queued = replay.Sample<Step>("queue", 1);
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].key, both);
  EXPECT_EQ(queued[0].data.actor, 3);
  EXPECT_EQ(queued[0].data.observation, (std::vector<double>{0.5, 0.25}));
  EXPECT_EQ(queued[0].probability, 1.0);
  EXPECT_EQ(queued[0].times_sampled, 1);
  EXPECT_EQ(queued[0].table_size, 1);
  EXPECT_EQ(replay.Info("queue").size, 0) << "a queue's item is sampled once";

  // Prioritized: the zero-priority item is never drawn; the others with p / sum(p).
  std::set<uint64_t> drawn;
  for (int i = 0; i < 20; ++i) {
    for (const ReplaySample<AnyValue>& item : replay.Sample<AnyValue>("prio", 4)) {
      drawn.insert(item.key);
      EXPECT_EQ(item.table_size, 3);
      EXPECT_DOUBLE_EQ(item.probability, item.key == 11 ? 0.25 : 0.75) << item.key;
      if (item.key == 12) {
        absl::StatusOr<Tensor> tensor = item.data.As<Tensor>();
        ASSERT_TRUE(tensor.ok()) << tensor.status();
        EXPECT_EQ(tensor->span<float>()[2], 6.0f);
      }
    }
  }
  EXPECT_EQ(drawn, (std::set<uint64_t>{11, 12}));

  // Sampling items as the wrong type fails the call, naming what arrived.
  try {
    replay.Sample<Step>("prio", 1);
    ADD_FAILURE() << "a tensor decoded as a Step";
  } catch (const RpcError& error) {
    EXPECT_EQ(error.status().code(), absl::StatusCode::kInvalidArgument) << error.what();
  }

  // Updates: unknown keys are counted, not fatal; then only key 11 can be drawn.
  EXPECT_EQ(replay.UpdatePriorities("prio", {{11, 5.0}, {12, 0.0}, {999, 1.0}}), 1);
  for (const auto& item : replay.Sample<Tensor>("prio", 8)) {
    EXPECT_EQ(item.key, 11u);
    EXPECT_EQ(item.priority, 5.0);
  }
  EXPECT_EQ(replay.Delete("prio", {12, 998}), 1);

  // Batches, and Info.
  std::vector<uint64_t> keys = replay.InsertBatch(
      std::vector<std::string>{"a", "b", "c"},
      {{{"prio", 1.0}}, {{"prio", 1.0}}, {{"prio", 1.0}, {"queue", 1.0}}});
  ASSERT_EQ(keys.size(), 3u);
  ReplayTableInfo info = replay.Info("prio");
  EXPECT_EQ(info.size, 5);  // 11, `both`, a, b, c
  EXPECT_EQ(info.inserts, 6);
  EXPECT_EQ(info.deletes, 1);
  EXPECT_EQ(info.max_size, 1000);
  EXPECT_THAT(info.sampler, HasSubstr("Prioritized"));
  EXPECT_EQ(replay.Info().size(), 2u);

  // The plain Courier methods, by name, with the optional arguments left out: Sample
  // returns columns, the numbers as tensors (numpy arrays in Python).
  std::map<std::string, AnyValue> raw =
      replay.courier().Call<std::map<std::string, AnyValue>>("Sample", "queue");
  ASSERT_EQ(raw.size(), 6u);
  EXPECT_EQ(raw.at("key").As<Tensor>()->span<uint64_t>()[0], keys[2]);
  EXPECT_EQ(raw.at("priority").As<Tensor>()->span<double>()[0], 1.0);
  EXPECT_EQ(raw.at("probability").As<Tensor>()->span<double>()[0], 1.0);
  EXPECT_EQ(raw.at("times_sampled").As<Tensor>()->span<int64_t>()[0], 1);
  EXPECT_EQ(raw.at("table_size").As<Tensor>()->span<int64_t>()[0], 1);
  EXPECT_EQ(raw.at("data").As<std::vector<std::string>>().value(), std::vector<std::string>{"c"});
  EXPECT_EQ(replay.courier().Call<uint64_t>("Insert", std::string("raw"),
                                            std::map<std::string, double>{{"queue", 2.0}},
                                            uint64_t{77}),
            77u);

  // Reset empties the table and its counters.
  replay.Reset("prio");
  EXPECT_EQ(replay.Info("prio").size, 0);
  EXPECT_EQ(replay.Info("prio").inserts, 0);

  // Errors name what was wrong.
  try {
    replay.Insert(1, {{"nope", 1.0}});
    ADD_FAILURE() << "inserted into an unknown table";
  } catch (const RpcError& error) {
    EXPECT_EQ(error.status().code(), absl::StatusCode::kNotFound);
    EXPECT_THAT(error.what(), AllOf(HasSubstr("'nope'"), HasSubstr("'prio'")));
  }
  try {
    replay.Checkpoint();
    ADD_FAILURE() << "checkpointed without a directory";
  } catch (const RpcError& error) {
    EXPECT_EQ(error.status().code(), absl::StatusCode::kFailedPrecondition) << error.what();
  }

  // Futures.
  Future<uint64_t> inserted = replay.AsyncInsert(2.5, {{"prio", 1.0}}, uint64_t{5});
  EXPECT_EQ(inserted.Get(), 5u);
  Future<std::vector<ReplaySample<double>>> sampled = replay.AsyncSample<double>("prio", 1);
  EXPECT_EQ(sampled.Get().at(0).data, 2.5);
  EXPECT_EQ(replay.AsyncUpdatePriorities("prio", {{5, 2.0}}).Get(), 0);

  controller.Stop();
  EXPECT_TRUE(controller.Wait().ok());
}

TEST_P(ReplayNodeTest, InsertBatchTakesAPriorityColumnPerTableOrAMapPerItem) {
  Program program("replay_batch");
  ReplayHandle handle = program.AddNode(
      ReplayNode({Prioritized("prio"), Prioritized("other"), TableConfig::Queue("queue", 2)}),
      "replay");
  Controller controller = Launch(std::move(program), Options());
  const ReplayClient replay = handle.Dereference();
  const CourierClient<internal::ReplayService>& by_name = replay.courier();
  using Keys = std::vector<uint64_t>;

  // The typed client: one table and a priority per item (sent as one column).
  const Keys typed = replay.InsertBatch(std::vector<int>{1, 2, 3}, "prio", {1.0, 2.0, 3.0});
  ASSERT_EQ(typed.size(), 3u);
  EXPECT_EQ(replay.Info("prio").size, 3);
  std::map<uint64_t, double> priorities;
  for (const auto& item : replay.Sample<int>("prio", 64)) {
    priorities[item.key] = item.priority;
    EXPECT_EQ(item.priority, static_cast<double>(item.data));
  }
  EXPECT_EQ(priorities.size(), 3u);

  // By name, the column as a float64 or float32 tensor, or a list of numbers.
  EXPECT_EQ(by_name.Call<Keys>("InsertBatch", std::vector<int>{4, 5},
                               std::map<std::string, Tensor>{
                                   {"other", Tensor(std::vector<float>{0.5f, 1.5f})}})
                .size(),
            2u);
  EXPECT_EQ(by_name
                .Call<Keys>("InsertBatch", std::vector<int>{6},
                            std::map<std::string, std::vector<double>>{{"other", {4.0}}})
                .size(),
            1u);
  EXPECT_TRUE(by_name
                  .Call<Keys>("InsertBatch", std::vector<int>{},
                              std::map<std::string, std::vector<double>>{{"other", {}}})
                  .empty());
  EXPECT_EQ(replay.Info("other").size, 3);
  for (const auto& item : replay.Sample<int>("other", 64)) {
    EXPECT_EQ(item.priority, item.data == 4 ? 0.5 : item.data == 5 ? 1.5 : 4.0) << item.data;
  }

  // Two columns: every item into both tables, under the keys given.
  EXPECT_EQ(by_name.Call<Keys>("InsertBatch", std::vector<int>{7, 8},
                               std::map<std::string, Tensor>{
                                   {"prio", Tensor(std::vector<double>{1.0, 1.0})},
                                   {"queue", Tensor(std::vector<double>{1.0, 1.0})}},
                               Keys{70, 80}),
            (Keys{70, 80}));
  EXPECT_EQ(replay.Info("prio").size, 5);
  std::vector<ReplaySample<int>> queued = replay.Sample<int>("queue", 2);
  ASSERT_EQ(queued.size(), 2u);
  EXPECT_EQ(queued[0].key, 70u);
  EXPECT_EQ(queued[1].data, 8);

  // A map per item naming one table takes the same path; mixed maps go item by item.
  EXPECT_EQ(replay.InsertBatch(std::vector<int>{9, 10}, {{{"queue", 1.0}}, {{"queue", 1.0}}})
                .size(),
            2u);
  EXPECT_EQ(replay.Info("queue").size, 2);
  replay.Sample<int>("queue", 2);

  // Errors say what was wrong and what to give.
  const auto status_of = [&](auto priorities, size_t items) {
    try {
      by_name.Call<Keys>("InsertBatch", std::vector<int>(items, 0), priorities);
    } catch (const RpcError& error) {
      return error.status();
    }
    return absl::OkStatus();
  };
  absl::Status status =
      status_of(std::map<std::string, Tensor>{{"prio", Tensor(std::vector<double>{1.0})}}, 2);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), AllOf(HasSubstr("2 item(s) but 1 priorities for table 'prio'"),
                                      HasSubstr("one per item")));
  status = status_of(std::map<std::string, Tensor>{{"prio", Tensor(std::vector<int32_t>{1})}}, 1);
  EXPECT_THAT(status.message(), HasSubstr("give a 1-D float64 or float32 array"));
  status = status_of(std::map<std::string, std::string>{{"prio", "high"}}, 1);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("a list of numbers, one priority per item"));
  status = status_of(std::map<std::string, Tensor>{}, 1);
  EXPECT_THAT(status.message(), HasSubstr("no table to insert into"));
  status = status_of(std::map<std::string, Tensor>{{"nope", Tensor(std::vector<double>{1.0})}}, 1);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), AllOf(HasSubstr("item 0"), HasSubstr("'nope'")));
  EXPECT_EQ(replay.Info("prio").size, 5) << "no failed batch inserted anything";

  controller.Stop();
  EXPECT_TRUE(controller.Wait().ok());
}

TEST_P(ReplayNodeTest, ABatchTheLimiterStopsHalfwayWaitsForSamplesThenFinishes) {
  Program program("replay_batch_wait");
  ReplayHandle handle = program.AddNode(ReplayNode({TableConfig::Queue("q", 2)}), "replay");
  Controller controller = Launch(std::move(program), Options());
  const ReplayClient replay = handle.Dereference();
  Future<std::vector<uint64_t>> batch = replay.courier().Async<std::vector<uint64_t>>(
      "InsertBatch", std::vector<int>{1, 2, 3, 4},
      std::map<std::string, Tensor>{{"q", Tensor(std::vector<double>(4, 1.0))}});
  // Two fit; the third waits in the node (as a blocked insert) until a sample.
  ASSERT_TRUE(Eventually([&] { return replay.Info("q").blocked_inserts == 1; }));
  EXPECT_EQ(replay.Info("q").size, 2);
  std::vector<int> drawn;
  while (drawn.size() < 4) {
    for (const auto& item : replay.Sample<int>("q", 4)) drawn.push_back(item.data);
  }
  EXPECT_EQ(drawn, (std::vector<int>{1, 2, 3, 4})) << "in order, each once";
  EXPECT_EQ(batch.Get().size(), 4u);
  controller.Stop();
  EXPECT_TRUE(controller.Wait().ok());
}

TEST_P(ReplayNodeTest, WaitsEndWithDeadlineExceededAfterTheTimeout) {
  Program program("replay_timeout");
  ReplayHandle handle = program.AddNode(
      ReplayNode({Prioritized("empty"), TableConfig::Queue("full", 1)}), "replay");
  Controller controller = Launch(std::move(program), Options());
  const ReplayClient untimed = handle.Dereference();
  untimed.Info();  // the node is up: the timeouts below measure waits in the tables only
  const ReplayClient replay = untimed.WithTimeout(absl::Milliseconds(200));

  try {
    replay.Sample<int>("empty", 1);
    ADD_FAILURE() << "sampled an empty table";
  } catch (const RpcError& error) {
    EXPECT_EQ(error.status().code(), absl::StatusCode::kDeadlineExceeded) << error.what();
    EXPECT_THAT(error.what(), HasSubstr("empty")) << "the node's message names the table";
  }
  replay.Insert(1, {{"full", 1.0}});
  try {
    replay.Insert(2, {{"full", 1.0}});
    ADD_FAILURE() << "inserted into a full queue";
  } catch (const RpcError& error) {
    EXPECT_EQ(error.status().code(), absl::StatusCode::kDeadlineExceeded) << error.what();
    EXPECT_THAT(error.what(), HasSubstr("full"));
  }
  // The node gave up on both: nobody waits there any more.
  EXPECT_TRUE(Eventually([&] {
    ReplayTableInfo empty = untimed.Info("empty"), full = untimed.Info("full");
    return empty.blocked_samples == 0 && full.blocked_inserts == 0;
  }));
  controller.Stop();
  EXPECT_TRUE(controller.Wait().ok());
}

TEST_P(ReplayNodeTest, ASampleIsServedWhileMoreInsertsWaitThanTheNodeHasHandlerThreads) {
  constexpr int kWaiting = 24;  // more than CourierServerOptions::handler_threads (16)
  Program program("replay_threads");
  ReplayHandle handle =
      program.AddNode(ReplayNode({TableConfig::Queue("q", 1)}), "replay");
  Controller controller = Launch(std::move(program), Options());
  const ReplayClient replay = handle.Dereference();
  replay.Insert(0, {{"q", 1.0}});
  std::vector<Future<uint64_t>> waiting;
  for (int i = 1; i <= kWaiting; ++i) waiting.push_back(replay.AsyncInsert(i, {{"q", 1.0}}));
  // Were each waiting Insert to hold a handler thread, these calls would find none.
  const ReplayClient bounded = replay.WithTimeout(kGenerous);
  ASSERT_TRUE(Eventually([&] { return bounded.Info("q").blocked_inserts == kWaiting; }));
  std::vector<ReplaySample<int>> sampled = bounded.Sample<int>("q", 1);
  ASSERT_EQ(sampled.size(), 1u);
  EXPECT_EQ(sampled[0].data, 0);
  // The sample made room for one of the waiting inserts.
  EXPECT_TRUE(Eventually([&] { return bounded.Info("q").blocked_inserts == kWaiting - 1; }));
  controller.Stop();
  for (Future<uint64_t>& insert : waiting) insert.Wait();
  EXPECT_TRUE(controller.Wait().ok());
}

// A node whose call waits in the replay node until the program stops: it must end with
// ProgramStoppedError (any other error fails the node, and so the program).
template <typename Call>
void WaitInReplay(const std::string& what, const Call& call) {
  try {
    call();
  } catch (const ProgramStoppedError&) {
    std::cout << what + ": ProgramStoppedError\n" << std::flush;
    return;
  } catch (const RpcError& error) {
    throw std::runtime_error(what + " ended with another error than ProgramStoppedError: " +
                             error.what());
  }
  throw std::runtime_error(what + " returned: it should have waited until the stop");
}

TEST_P(ReplayNodeTest, CallsWaitingInTheNodeEndWithProgramStoppedErrorAtTheStop) {
  Program program("replay_blocked");
  ReplayHandle handle = program.AddNode(
      ReplayNode({Prioritized("empty"), TableConfig::Queue("full", 1)}), "replay");
  program.AddNode(FunctionNode(
                      [](ReplayClient replay) {
                        WaitInReplay("sample", [&] { replay.Sample<int>("empty", 1); });
                      },
                      handle),
                  "sampler");
  program.AddNode(FunctionNode(
                      [](ReplayClient replay) {
                        replay.Insert(1, {{"full", 1.0}});
                        WaitInReplay("insert", [&] { replay.Insert(2, {{"full", 1.0}}); });
                      },
                      handle),
                  "inserter");
  Controller controller = Launch(std::move(program), Options());
  ReplayClient replay = handle.Dereference();
  ASSERT_TRUE(Eventually([&] {
    return replay.Info("empty").blocked_samples == 1 && replay.Info("full").blocked_inserts == 1;
  }));
  controller.Stop();
  // Without the tables closed at the stop, the node's server would wait for its handlers
  // forever, and so would this.
  ASSERT_TRUE(controller.WaitFor(kGenerous)) << "the program did not end after the stop";
  EXPECT_TRUE(controller.Wait().ok()) << controller.Wait();
}

// A directory shared by the test and its test_mp workers, which run the test's body
// again up to their own launch: the test makes it and names it to them (they inherit its
// environment); only the test removes it.
class SharedDir {
 public:
  SharedDir() {
    if (const char* inherited = std::getenv(kVariable); inherited != nullptr) {
      path_ = inherited;
      return;
    }
    owned_.emplace("replay-test");
    path_ = owned_->path();
    setenv(kVariable, path_.c_str(), 1);
  }
  ~SharedDir() {
    if (owned_.has_value()) unsetenv(kVariable);
  }
  const std::string& path() const { return path_; }

 private:
  static constexpr char kVariable[] = "LP_REPLAY_NODE_TEST_DIR";
  std::optional<TempDir> owned_;
  std::string path_;
};

void Expect(bool condition, const std::string& what) {
  if (!condition) throw std::runtime_error("expected " + what);
}

// The numbers of the checkpoint files in `dir`.
std::vector<int64_t> CheckpointNumbers(const std::string& dir) {
  std::vector<int64_t> numbers;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("checkpoint-") && entry.path().extension() == ".replay") {
      numbers.push_back(std::stoll(name.substr(11, 12)));
    }
  }
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

// Runs `body(client)` in a node of a program with a replay node of table "t" and
// `options`, then stops the program. The body's exceptions fail the program.
absl::Status RunWithReplay(const std::string& name, const ReplayNodeOptions& options,
                           LaunchType launch_type,
                           std::function<void(ReplayClient)> body) {
  Program program(name);
  ReplayHandle handle = program.AddNode(ReplayNode({Prioritized("t")}, options), "replay");
  program.AddNode(FunctionNode(
                      [body](ReplayClient replay) {
                        body(std::move(replay));
                        Stop();
                      },
                      handle),
                  "driver");
  return Launch(std::move(program), {.launch_type = launch_type}).Wait();
}

TEST_P(ReplayNodeTest, CheckpointsRestoreTheTablesInTheNextLaunch) {
  SharedDir dir;
  ASSERT_FALSE(dir.path().empty());
  const ReplayNodeOptions options{.checkpoint_dir = dir.path()};
  EXPECT_TRUE(RunWithReplay("replay_save", options, GetParam(), [&](ReplayClient replay) {
    for (uint64_t key = 1; key <= 5; ++key) {
      replay.Insert(Tensor(std::vector<int64_t>(1000, static_cast<int64_t>(key))),
                    {{"t", static_cast<double>(key)}}, key);
    }
    replay.Sample<Tensor>("t", 2);
    const std::string path = replay.Checkpoint();
    Expect(std::filesystem::exists(path), "the checkpoint at " + path);
    Expect(std::filesystem::path(path).parent_path() == dir.path(), path + " in " + dir.path());
    replay.Insert(6, {{"t", 1.0}}, uint64_t{6});  // after the checkpoint: not kept
  }).ok());
  ASSERT_EQ(CheckpointNumbers(dir.path()).size(), 1u);

  EXPECT_TRUE(RunWithReplay("replay_restore", options, GetParam(), [](ReplayClient replay) {
    const ReplayTableInfo info = replay.Info("t");
    Expect(info.size == 5, absl::StrCat("5 items restored, got ", info.size));
    Expect(info.inserts == 5 && info.samples == 2,
           absl::StrCat("the counters restored, got ", info.inserts, " inserts ", info.samples,
                        " samples"));
    for (const auto& item : replay.Sample<Tensor>("t", 64)) {
      Expect(item.key >= 1 && item.key <= 5, absl::StrCat("keys 1-5, got ", item.key));
      Expect(item.priority == static_cast<double>(item.key), "the priority restored");
      Expect(item.data.span<int64_t>()[999] == static_cast<int64_t>(item.key),
             "the data restored");
    }
  }).ok());

  // restore = false starts empty, whatever the directory holds.
  EXPECT_TRUE(RunWithReplay("replay_fresh", {.checkpoint_dir = dir.path(), .restore = false},
                            GetParam(), [](ReplayClient replay) {
                              Expect(replay.Info("t").size == 0, "an empty table");
                            })
                  .ok());
}

TEST_P(ReplayNodeTest, PeriodicCheckpointsAreWrittenAndRestored) {
  SharedDir dir;
  ASSERT_FALSE(dir.path().empty());
  const ReplayNodeOptions options{.checkpoint_dir = dir.path(),
                                  .checkpoint_period = absl::Milliseconds(50)};
  EXPECT_TRUE(RunWithReplay("replay_periodic", options, GetParam(), [&](ReplayClient replay) {
    for (uint64_t key = 1; key <= 3; ++key) replay.Insert(key * 10, {{"t", 1.0}}, key);
    // A checkpoint begun after the third insert holds all three: wait for two more.
    const std::vector<int64_t> before = CheckpointNumbers(dir.path());
    const int64_t last = before.empty() ? 0 : before.back();
    Expect(Eventually([&] {
             const std::vector<int64_t> now = CheckpointNumbers(dir.path());
             return !now.empty() && now.back() >= last + 2;
           }),
           "two more checkpoints within a minute");
  }).ok());
  // Once the writer has stopped (while it runs, a third file may live until its pruning).
  EXPECT_LE(CheckpointNumbers(dir.path()).size(), 2u) << "only the 2 newest are kept";

  EXPECT_TRUE(RunWithReplay("replay_periodic_restore", options, GetParam(),
                            [](ReplayClient replay) {
                              const int64_t size = replay.Info("t").size;
                              Expect(size == 3, absl::StrCat("3 items restored, got ", size));
                            })
                  .ok());
}

// The RL shape: actors insert in a loop (no try/catch: the stop ends them), a learner
// samples batches and updates their priorities, then stops the program after N steps.
void Actor(ReplayClient replay) {
  const int64_t me = CurrentNode()->node.index;
  for (int64_t i = 0;; ++i) {
    replay.Insert(Step{me, std::vector<double>(16, static_cast<double>(i))},
                  {{"experience", 1.0 + static_cast<double>(i % 7)}});
  }
}

void Learner(ReplayClient replay, int steps) {
  for (int step = 0; step < steps; ++step) {
    std::map<uint64_t, double> priorities;
    for (const ReplaySample<Step>& item : replay.Sample<Step>("experience", 8)) {
      if (item.data.observation.size() != 16) throw std::runtime_error("bad item");
      priorities[item.key] = 0.5 + step % 3;
    }
    replay.UpdatePriorities("experience", priorities);
  }
  std::cout << "learner: stopping after " + std::to_string(steps) + " steps\n" << std::flush;
  Stop();
}

TEST_P(ReplayNodeTest, ActorsAndALearnerStopCleanlyManyTimes) {
  const int runs = GetParam() == LaunchType::kTestMp ? 4 : 10;
  for (int run = 0; run < runs; ++run) {
    Program program("replay_rl");
    TableConfig table = Prioritized("experience", 500);
    table.rate_limiter = RateLimiterConfig::SampleToInsertRatio(4, 20, 40);
    ReplayHandle replay = program.AddNode(ReplayNode({table}), "replay");
    program.AddNode(FunctionNode(Learner, replay, 50), "learner");
    {
      auto group = program.Group("actor");
      for (int i = 0; i < 3; ++i) program.AddNode(FunctionNode(Actor, replay));
    }
    Controller controller = Launch(std::move(program), Options());
    ASSERT_TRUE(controller.WaitFor(kGenerous)) << "run " << run << " did not end";
    const absl::Status outcome = controller.Wait();
    ASSERT_TRUE(outcome.ok()) << "run " << run << ": " << outcome;
  }
}

// The RL shape with trajectories of 2 MiB: they reach the replay node whole and, from each
// actor's second insert on, through shared memory, not the socket (docs/courier.md,
// "Tensors between processes of one machine"). Each actor checks the bytes its own calls
// sent through gRPC (lp_courier_made_sent_bytes_total of its node) before its last
// insert, and fails instead of making it if most of them went through the socket; the
// test then never gets its last trajectory. Under test_mt the actors and the replay node
// share a process, and their calls go in process, without a socket (docs/courier.md,
// "Calls within one process"; rpc_in_process_test): there the actors only check the
// trajectories' way through, not the bytes.
constexpr int64_t kTrajectoryFloats = 512 * 1024;  // 2 MiB
constexpr int kTrajectoriesPerActor = 6;

Tensor Trajectory(uint64_t actor, uint64_t step) {
  Tensor tensor(DType::kFloat, {kTrajectoryFloats});
  std::span<float> values = tensor.span<float>();
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = static_cast<float>(actor * 1000 + step) + static_cast<float>(i % 251);
  }
  return tensor;
}

void TrajectoryActor(ReplayClient replay, bool in_another_process) {
  const uint64_t me = static_cast<uint64_t>(CurrentNode()->node.index);
  for (uint64_t step = 0; step < kTrajectoriesPerActor; ++step) {
    if (in_another_process && step == kTrajectoriesPerActor - 1) {
      const double sent =
          ::lp::testing::CourierBytesSent("node", CurrentNode()->node.ToString());
      const double tensors = static_cast<double>(step * kTrajectoryFloats * sizeof(float));
      if (sent > tensors / 2) {
        throw std::runtime_error(absl::StrCat("actor sent ", sent, " of its ", tensors,
                                              " tensor bytes through the socket"));
      }
    }
    replay.Insert(Trajectory(me, step), {{"trajectories", 1.0}}, me * 100 + step);
  }
}

TEST_P(ReplayNodeTest, LargeTrajectoriesArriveWholeAndThroughSharedMemoryBetweenProcesses) {
  constexpr int kActors = 2;
  Program program("replay_large");
  ReplayHandle handle =
      program.AddNode(ReplayNode({TableConfig::Queue("trajectories", 100)}), "replay");
  {
    auto group = program.Group("actor");
    for (int i = 0; i < kActors; ++i) {
      program.AddNode(FunctionNode(TrajectoryActor, handle, GetParam() == LaunchType::kTestMp));
    }
  }
  Controller controller = Launch(std::move(program), Options());
  ReplayClient replay = handle.Dereference();
  std::set<uint64_t> keys;
  for (int n = 0; n < kActors * kTrajectoriesPerActor; ++n) {
    std::vector<ReplaySample<Tensor>> items = replay.Sample<Tensor>("trajectories", 1);
    ASSERT_EQ(items.size(), 1u);
    const uint64_t key = items[0].key;
    EXPECT_TRUE(items[0].data == Trajectory(key / 100, key % 100)) << "key " << key;
    keys.insert(key);
  }
  EXPECT_EQ(keys.size(), static_cast<size_t>(kActors * kTrajectoriesPerActor));
  controller.Stop();
  EXPECT_TRUE(controller.Wait().ok());
}

INSTANTIATE_TEST_SUITE_P(LaunchTypes, ReplayNodeTest,
                         ::testing::Values(LaunchType::kTestMt, LaunchType::kTestMp),
                         [](const auto& info) {
                           return info.param == LaunchType::kTestMt ? "test_mt" : "test_mp";
                         });

}  // namespace
}  // namespace lp
