// Batched Courier methods (lp/batch.h): per-caller results under concurrency, the timeout
// path, padding, max_parallelism measured by a concurrent-invocation counter, exception
// fan-out, and the thread-pool check — through real CourierNodes (test_mt), plus the
// engine (Batcher) on its own.
//
// No test relies on timing to pass: batches that must be full run with a long timeout
// and exactly batch_size callers blocked at once; waits are on events, bounded only so
// that a hang fails instead of blocking the suite.

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"
#include "lp/lp.h"
#include "lp/internal/batcher.h"
#include "lp/internal/handoff.h"
#include "tests/support/thread_count.h"

namespace lp {
namespace {

using ::testing::AllOf;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const LaunchOptions kTestMt{.launch_type = LaunchType::kTestMt};
// Bounds that only a hang reaches.
constexpr absl::Duration kLong = absl::Seconds(60);
// A batch timeout that no test waits for: batches meant to be full only run full.
constexpr absl::Duration kNeverTimesOut = absl::Seconds(60);

// What the server saw, shared with the test (test_mt: one process).
struct Record {
  std::mutex mu;
  std::vector<std::vector<int>> batches;  // the arguments of each invocation
  std::set<std::thread::id> threads;      // the threads invocations ran on
  int process_threads = 0;                // threads of this process when the last one ran
  // The concurrent-invocation counter.
  int running = 0;
  int max_running = 0;
  std::condition_variable running_changed;
  // For the max_parallelism tests: invocations wait until `gate` of them have run at once
  // (bounded; from then on they pass), then each holds for `hold`, so that one more than
  // the limit would be seen by the counter if the limit were not honoured.
  int gate = 0;
  absl::Duration hold = absl::ZeroDuration();
  // Whether an invocation ran where the server hands work off (a gRPC thread taking a call):
  // batches must run on handler threads instead.
  bool ran_where_work_is_handed_off = false;
  // Server::Hold: whether it runs, and whether it may return.
  bool holding = false;
  bool hold_released = false;

  std::vector<std::vector<int>> Batches() {
    std::lock_guard lock(mu);
    return batches;
  }
  int MaxRunning() {
    std::lock_guard lock(mu);
    return max_running;
  }
  std::vector<int> Sizes() {
    std::lock_guard lock(mu);
    std::vector<int> sizes;
    for (const auto& batch : batches) sizes.push_back(static_cast<int>(batch.size()));
    return sizes;
  }
};

class Server {
 public:
  explicit Server(Record* record) : record_(record) {}

  // Per call: x -> 10 * x + 1. Throws when a call asks for -13; returns one result too few
  // when a call asks for -1.
  std::vector<int> Compute(Batch<int> calls) {
    Enter(calls.calls);
    std::vector<int> results;
    bool short_by_one = false;
    for (int x : calls) {
      if (x == -13) {
        Leave();
        throw std::runtime_error("unlucky -13");
      }
      short_by_one = short_by_one || x == -1;
      results.push_back(10 * x + 1);
    }
    if (short_by_one) results.pop_back();
    Leave();
    return results;
  }

  // Two arguments per call, taken by const reference.
  std::vector<std::string> Label(const Batch<std::string, int>& calls) {
    std::vector<std::string> out;
    for (const auto& [prefix, n] : calls) {
      out.push_back(prefix + std::to_string(n) + "/" + std::to_string(calls.size()));
    }
    return out;
  }

  // No result.
  void Add(Batch<int> calls) {
    for (int x : calls) total_ += x;
  }
  int Total() const { return total_.load(); }

  // Not batched: holds its handler thread until the test releases it.
  int Hold(int x) {
    std::unique_lock lock(record_->mu);
    record_->holding = true;
    record_->running_changed.notify_all();
    record_->running_changed.wait_for(lock, std::chrono::seconds(60),
                                      [&] { return record_->hold_released; });
    return x;
  }

 private:
  void Enter(const std::vector<int>& args) {
    std::unique_lock lock(record_->mu);
    record_->batches.push_back(args);
    record_->threads.insert(std::this_thread::get_id());
    record_->ran_where_work_is_handed_off |= internal::current_handoff != nullptr;
    record_->process_threads = ::lp::testing::ThreadCount();
    ++record_->running;
    record_->max_running = std::max(record_->max_running, record_->running);
    record_->running_changed.notify_all();
    if (record_->gate > 0) {
      record_->running_changed.wait_for(lock, std::chrono::seconds(30),
                                        [&] { return record_->max_running >= record_->gate; });
    }
    if (record_->hold > absl::ZeroDuration()) {
      lock.unlock();
      std::this_thread::sleep_for(absl::ToChronoNanoseconds(record_->hold));
    }
  }
  void Leave() {
    std::lock_guard lock(record_->mu);
    --record_->running;
  }

  Record* record_;
  std::atomic<int> total_{0};
};
LP_COURIER_METHODS(Server, Compute, Label, Add, Total, Hold);

// Runs `callers` threads at once, each making `calls` calls of `fn(caller, i)`; returns
// the error text of each failed call (empty when all passed).
template <typename Fn>
std::vector<std::string> RunCallers(int callers, int calls, Fn fn) {
  std::mutex mu;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int c = 0; c < callers; ++c) {
    threads.emplace_back([&, c] {
      for (int i = 0; i < calls; ++i) {
        try {
          fn(c, i);
        } catch (const std::exception& e) {
          std::lock_guard lock(mu);
          errors.push_back(e.what());
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return errors;
}

struct Launched {
  Controller controller;
  CourierClient<Server> client;
};

Launched LaunchServer(Record* record, BatchingOptions options,
                      CourierServerOptions server_options = {}) {
  Program program("batching");
  CourierNode<Server> node(record);
  node.SetBatching(&Server::Compute, options);
  // Not used by these tests; small enough for any handler limit.
  node.SetBatching(&Server::Label, {.batch_size = 1});
  node.SetBatching(&Server::Add, {.batch_size = 1});
  node.SetServerOptions(server_options);
  auto handle = program.AddNode(std::move(node), "server");
  Controller controller = Launch(std::move(program), kTestMt);
  return {std::move(controller), handle.Dereference().WithTimeout(kLong)};
}

// ---------------------------------------------------------------------------------------
// Per-caller results under concurrency.

TEST(BatchingTest, EachCallerGetsItsOwnResultFromFullBatches) {
  constexpr int kBatch = 8;
  constexpr int kRounds = 25;
  Record record;
  auto [controller, client] =
      LaunchServer(&record, {.batch_size = kBatch, .timeout = kNeverTimesOut});
  // Exactly kBatch callers, one call each in flight: every batch fills, and holds one call
  // of each caller.
  std::vector<std::string> errors = RunCallers(kBatch, kRounds, [&](int caller, int i) {
    const int x = caller * 1000 + i;
    const int got = client.Call(&Server::Compute, x);
    if (got != 10 * x + 1) {
      throw std::runtime_error("caller " + std::to_string(caller) + " sent " + std::to_string(x) +
                               ", got " + std::to_string(got));
    }
  });
  EXPECT_THAT(errors, ElementsAre());
  EXPECT_EQ(record.Sizes(), std::vector<int>(kRounds, kBatch));
  for (const auto& batch : record.Batches()) {
    std::set<int> callers;
    for (int x : batch) callers.insert(x / 1000);
    EXPECT_EQ(callers.size(), static_cast<size_t>(kBatch)) << "a caller twice in one batch";
  }
}

TEST(BatchingTest, ManyCallersManyBatchesNothingLostOrMixedUp) {
  Record record;
  // More callers than a batch, a timeout that does happen at the tail: whatever the
  // batches look like, every caller gets its own result and every call ran once.
  auto [controller, client] = LaunchServer(
      &record, {.batch_size = 5, .max_parallelism = 2, .timeout = absl::Milliseconds(5)});
  constexpr int kCallers = 16;
  constexpr int kCalls = 40;
  std::vector<std::string> errors = RunCallers(kCallers, kCalls, [&](int caller, int i) {
    const int x = caller * 1000 + i;
    const int got = caller % 2 == 0 ? client.Call(&Server::Compute, x)
                                    : client.Async(&Server::Compute, x).Get();
    if (got != 10 * x + 1)
      throw std::runtime_error("sent " + std::to_string(x) + ", got " + std::to_string(got));
  });
  EXPECT_THAT(errors, ElementsAre());
  std::vector<int> seen;
  for (const auto& batch : record.Batches()) seen.insert(seen.end(), batch.begin(), batch.end());
  std::sort(seen.begin(), seen.end());
  std::vector<int> expected;
  for (int c = 0; c < kCallers; ++c) {
    for (int i = 0; i < kCalls; ++i) expected.push_back(c * 1000 + i);
  }
  EXPECT_EQ(seen, expected);
  EXPECT_THAT(record.Sizes(), Each(::testing::AllOf(::testing::Ge(1), ::testing::Le(5))));
}

TEST(BatchingTest, TwoArgumentsByNameAndVoid) {
  Record record;
  Program program("batching_kinds");
  CourierNode<Server> node(&record);
  node.SetBatching(&Server::Label, {.batch_size = 3, .timeout = kNeverTimesOut});
  node.SetBatching(&Server::Add, {.batch_size = 2, .timeout = kNeverTimesOut});
  auto handle = program.AddNode(std::move(node), "server");
  Controller controller = Launch(std::move(program), kTestMt);
  const CourierClient<Server> client = handle.Dereference().WithTimeout(kLong);

  std::vector<std::string> labels(3);
  std::vector<std::string> errors = RunCallers(3, 1, [&](int caller, int) {
    // By pointer, by name and as a future: one batch of three.
    if (caller == 0) labels[0] = client.Call(&Server::Label, "a", 1);
    if (caller == 1) labels[1] = client.Call<std::string>("Label", std::string("b"), 2);
    if (caller == 2) labels[2] = client.Async(&Server::Label, std::string("c"), 3).Get();
  });
  EXPECT_THAT(errors, ElementsAre());
  EXPECT_THAT(labels, ElementsAre("a1/3", "b2/3", "c3/3"));

  errors = RunCallers(2, 1, [&](int caller, int) { client.Call(&Server::Add, caller + 20); });
  EXPECT_THAT(errors, ElementsAre());
  EXPECT_EQ(client.Call(&Server::Total), 41);
}

// ---------------------------------------------------------------------------------------
// The timeout path.

TEST(BatchingTest, ALoneCallRunsWhenTheTimeoutPasses) {
  constexpr absl::Duration kTimeout = absl::Milliseconds(100);
  Record record;
  auto [controller, client] = LaunchServer(&record, {.batch_size = 8, .timeout = kTimeout});
  ASSERT_EQ(client.Call(&Server::Total), 0);  // the server is up
  const absl::Time start = absl::Now();
  EXPECT_EQ(client.Call(&Server::Compute, 4), 41);
  // The server started counting when the call arrived, after `start`.
  EXPECT_GE(absl::Now() - start, kTimeout);
  EXPECT_THAT(record.Sizes(), ElementsAre(1));
}

TEST(BatchingTest, FewerCallersThanABatchRunOnTheTimeout) {
  Record record;
  auto [controller, client] =
      LaunchServer(&record, {.batch_size = 8, .timeout = absl::Milliseconds(20)});
  std::vector<std::string> errors = RunCallers(3, 4, [&](int caller, int i) {
    const int x = caller * 100 + i;
    if (client.Call(&Server::Compute, x) != 10 * x + 1) throw std::runtime_error("wrong result");
  });
  EXPECT_THAT(errors, ElementsAre());
  const std::vector<int> sizes = record.Sizes();
  int total = 0;
  for (int size : sizes) total += size;
  EXPECT_EQ(total, 12);
  // Never full: every batch ran because its timeout passed.
  EXPECT_THAT(sizes, Each(::testing::AllOf(::testing::Ge(1), ::testing::Le(3))));
}

// ---------------------------------------------------------------------------------------
// Padding.

TEST(BatchingTest, PaddingFillsATimedOutBatchAndDropsTheExtraResults) {
  Record record;
  auto [controller, client] = LaunchServer(
      &record, {.batch_size = 4, .timeout = absl::Milliseconds(10), .pad_batch = true});
  EXPECT_EQ(client.Call(&Server::Compute, 7), 71);
  // The method saw a full batch: the call, then itself repeated.
  EXPECT_THAT(record.Batches(), ElementsAre(ElementsAre(7, 7, 7, 7)));
}

TEST(BatchingTest, PaddingLeavesFullBatchesAlone) {
  Record record;
  auto [controller, client] =
      LaunchServer(&record, {.batch_size = 4, .timeout = kNeverTimesOut, .pad_batch = true});
  std::vector<int> results(4);
  std::vector<std::string> errors = RunCallers(
      4, 1, [&](int caller, int) { results[caller] = client.Call(&Server::Compute, caller); });
  EXPECT_THAT(errors, ElementsAre());
  EXPECT_THAT(results, ElementsAre(1, 11, 21, 31));
  ASSERT_EQ(record.Batches().size(), 1u);
  std::vector<int> batch = record.Batches()[0];
  std::sort(batch.begin(), batch.end());
  EXPECT_THAT(batch, ElementsAre(0, 1, 2, 3));
}

// ---------------------------------------------------------------------------------------
// max_parallelism, measured by a concurrent-invocation counter.

void ExpectMaxParallelism(int max_parallelism) {
  constexpr int kBatch = 2;
  const int batches = 3 * max_parallelism;  // more batches ready than may run
  Record record;
  // Each invocation waits until max_parallelism invocations run (so the limit is reached),
  // then holds a while (so a violation of the limit would show in the counter).
  record.gate = max_parallelism;
  record.hold = absl::Milliseconds(30);
  auto [controller, client] = LaunchServer(
      &record,
      {.batch_size = kBatch, .max_parallelism = max_parallelism, .timeout = kNeverTimesOut});
  // One call per caller: every batch is full (no call waits for the timeout).
  std::vector<std::string> errors = RunCallers(kBatch * batches, 1, [&](int caller, int) {
    if (client.Call(&Server::Compute, caller) != 10 * caller + 1) {
      throw std::runtime_error("wrong result");
    }
  });
  EXPECT_THAT(errors, ElementsAre());
  EXPECT_EQ(record.Sizes(), std::vector<int>(batches, kBatch));
  EXPECT_EQ(record.MaxRunning(), max_parallelism);
}

TEST(BatchingTest, OneBatchAtATimeByDefault) { ExpectMaxParallelism(1); }
TEST(BatchingTest, MaxParallelismTwo) { ExpectMaxParallelism(2); }
TEST(BatchingTest, MaxParallelismThree) { ExpectMaxParallelism(3); }

// ---------------------------------------------------------------------------------------
// Exception fan-out.

TEST(BatchingTest, AnExceptionReachesEveryCallerOfItsBatch) {
  constexpr int kBatch = 4;
  Record record;
  auto [controller, client] =
      LaunchServer(&record, {.batch_size = kBatch, .timeout = kNeverTimesOut});
  std::vector<std::string> errors =
      RunCallers(kBatch, 1, [&](int caller, int) { client.Call(&Server::Compute, -11 - caller); });
  // -11, -12, -13, -14: one batch, and -13 throws for all of them.
  ASSERT_EQ(errors.size(), static_cast<size_t>(kBatch));
  EXPECT_THAT(errors, Each(AllOf(HasSubstr("UNKNOWN"), HasSubstr("Compute"),
                                 HasSubstr("unlucky -13"), HasSubstr("batch of 4"))));
  // The server keeps serving: the next batch is fine.
  std::vector<int> results(kBatch);
  errors = RunCallers(
      kBatch, 1, [&](int caller, int) { results[caller] = client.Call(&Server::Compute, caller); });
  EXPECT_THAT(errors, ElementsAre());
  EXPECT_THAT(results, ElementsAre(1, 11, 21, 31));
}

TEST(BatchingTest, AWrongNumberOfResultsFailsEveryCallerOfItsBatch) {
  Record record;
  auto [controller, client] = LaunchServer(&record, {.batch_size = 3, .timeout = kNeverTimesOut});
  std::vector<std::string> errors =
      RunCallers(3, 1, [&](int caller, int) { client.Call(&Server::Compute, caller - 1); });
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_THAT(errors,
              Each(AllOf(HasSubstr("Compute"), HasSubstr("returned 2 results for a batch of 3"))));
}

TEST(BatchingTest, AMalformedCallFailsAloneBeforeJoiningABatch) {
  Record record;
  auto [controller, client] = LaunchServer(&record, {.batch_size = 2, .timeout = kNeverTimesOut});
  // Its deadline is the check: were the call not taken on arrival, it would wait for the
  // held thread and end DEADLINE_EXCEEDED.
  try {
    client.WithTimeout(absl::Seconds(20)).Call<int>("Compute", std::string("not an int"));
    FAIL() << "expected an RpcError";
  } catch (const RpcError& e) {
    EXPECT_EQ(e.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(e.what(), HasSubstr("arg 1"));
  }
  EXPECT_THAT(record.Sizes(), ElementsAre());
}

// ---------------------------------------------------------------------------------------
// The thread-pool check and the other registration errors.

TEST(BatchingTest, ACallLimitBelowTheBatchSizeFailsTheNode) {
  Record record;
  Program program("batching_threads");
  CourierNode<Server> node(&record);
  node.SetBatching(&Server::Compute, {.batch_size = 8});
  node.SetServerOptions({.max_concurrent_handlers = 4});
  program.AddNode(std::move(node), "server");
  absl::Status status;
  EXPECT_NONFATAL_FAILURE_ON_ALL_THREADS(status = Launch(std::move(program), kTestMt).Wait(),
                                         "max_concurrent_handlers");
  EXPECT_THAT(std::string(status.message()),
              AllOf(HasSubstr("'Compute'"), HasSubstr("batch_size is 8"),
                    HasSubstr("at most 4 calls at once"), HasSubstr("could never gather 8 calls"),
                    HasSubstr("at least 8")));
}

// A batch's calls wait for it holding no handler thread: a batch of 256 fills on a server
// of 2 handler threads, and while it runs the process has nowhere near a thread per call.
TEST(BatchingTest, CallsWaitForTheirBatchWithoutAHandlerThreadEach) {
  constexpr int kBatch = 256;
  Record record;
  auto [controller, client] = LaunchServer(
      &record, {.batch_size = kBatch, .timeout = kNeverTimesOut}, {.handler_threads = 2});
  ASSERT_EQ(client.Call(&Server::Total), 0);  // the server is up, its threads started
  const int baseline = ::lp::testing::ThreadCount();
  std::vector<Future<int>> results;
  for (int x = 0; x < kBatch; ++x) results.push_back(client.Async(&Server::Compute, x));
  for (int x = 0; x < kBatch; ++x) EXPECT_EQ(results[x].Get(), 10 * x + 1);
  EXPECT_THAT(record.Sizes(), ElementsAre(kBatch));
  // The 2 handler threads and gRPC's own few (both sides are in this process); a thread per
  // waiting call would be 255 more.
  const int added = record.process_threads - baseline;
  EXPECT_LT(added, 64) << added << " threads above " << baseline << " for " << kBatch << " calls";
}

// A small batched call is taken on the gRPC thread that received it (decoded and parked),
// and the batch it fills is handed off, never run there. With the only handler thread
// held, a malformed call is refused at once, where it would have waited for that thread.
// The full batch runs on that thread once it is free, or on the batcher's timer thread if
// that wakes first (it does on a loaded machine): either way not on gRPC's.
TEST(BatchingTest, CallsAreTakenOnArrivalAndTheirBatchNeverRunsOnGrpcsThread) {
  constexpr int kBatch = 4;
  Record record;
  auto [controller, client] = LaunchServer(
      &record, {.batch_size = kBatch, .timeout = kNeverTimesOut}, {.handler_threads = 1});
  Future<int> held = client.Async(&Server::Hold, 7);
  {
    std::unique_lock lock(record.mu);
    ASSERT_TRUE(record.running_changed.wait_for(lock, std::chrono::seconds(60), [&] {
      return record.holding;
    }));
  }

  // Its deadline is the check: were the call not taken on arrival, it would wait for the
  // held thread and end DEADLINE_EXCEEDED.
  try {
    client.WithTimeout(absl::Seconds(20)).Call<int>("Compute", std::string("not an int"));
    ADD_FAILURE() << "expected an RpcError";
  } catch (const RpcError& e) {
    EXPECT_EQ(e.code(), absl::StatusCode::kInvalidArgument) << e.what();
  }
  std::vector<Future<int>> results;
  for (int x = 0; x < kBatch; ++x) results.push_back(client.Async(&Server::Compute, x));
  EXPECT_FALSE(held.IsReady());

  {
    std::lock_guard lock(record.mu);
    record.hold_released = true;
    record.running_changed.notify_all();
  }
  EXPECT_EQ(held.Get(), 7);
  for (int x = 0; x < kBatch; ++x) EXPECT_EQ(results[x].Get(), 10 * x + 1);
  EXPECT_THAT(record.Sizes(), ElementsAre(kBatch));
  std::lock_guard lock(record.mu);
  EXPECT_FALSE(record.ran_where_work_is_handed_off);
}

TEST(BatchingTest, TheDefaultBatchSizeIsCheckedToo) {
  Record record;
  Program program("batching_default");
  CourierNode<Server> node(&record);  // Compute without SetBatching: batch_size 16
  node.SetServerOptions({.max_concurrent_handlers = 8});
  program.AddNode(std::move(node), "server");
  absl::Status status;
  EXPECT_NONFATAL_FAILURE_ON_ALL_THREADS(status = Launch(std::move(program), kTestMt).Wait(),
                                         "batch_size is 16");
}

TEST(BatchingTest, AsManyCallsAsABatchIsEnough) {
  constexpr int kBatch = 6;
  Record record;
  auto [controller, client] =
      LaunchServer(&record, {.batch_size = kBatch, .timeout = kNeverTimesOut},
                   {.max_concurrent_handlers = kBatch});
  // One round: kBatch calls, all taken on until the one batch runs.
  std::vector<std::string> errors = RunCallers(kBatch, 1, [&](int caller, int) {
    if (client.Call(&Server::Compute, caller) != 10 * caller + 1) {
      throw std::runtime_error("wrong result");
    }
  });
  EXPECT_THAT(errors, ElementsAre());
  EXPECT_EQ(record.Sizes(), std::vector<int>(1, kBatch));
}

TEST(BatchingTest, SetBatchingRejectsWhatCannotWork) {
  Record record;
  CourierNode<Server> node(&record);
  EXPECT_THROW(
      {
        try {
          node.SetBatching(&Server::Total, {});
        } catch (const ProgramError& e) {
          EXPECT_THAT(e.what(), AllOf(HasSubstr("'Total'"), HasSubstr("not batched")));
          throw;
        }
      },
      ProgramError);
  EXPECT_THROW(node.SetBatching(&Server::Compute, {.batch_size = 0}), ProgramError);
  EXPECT_THROW(node.SetBatching(&Server::Compute, {.max_parallelism = 0}), ProgramError);
  EXPECT_THROW(node.SetBatching(&Server::Compute, {.timeout = absl::InfiniteDuration()}),
               ProgramError);
  EXPECT_THROW(node.SetBatching(&Server::Compute, {.timeout = -absl::Seconds(1)}), ProgramError);
  EXPECT_NO_THROW(node.SetBatching(&Server::Compute, {.timeout = absl::ZeroDuration()}));
}

// A batched call waits for its batch: it cannot hold one of gRPC's threads meanwhile.
TEST(BatchingTest, BatchedMethodsCannotRunInline) {
  Record record;
  CourierNode<Server> node(&record);
  try {
    node.RunInline(&Server::Compute);
    ADD_FAILURE() << "RunInline accepted a batched method";
  } catch (const ProgramError& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("RunInline"), HasSubstr("'Compute'"),
                                HasSubstr("batched")));
  }
  EXPECT_NO_THROW(node.RunInline(&Server::Total));
}

// ---------------------------------------------------------------------------------------
// The engine on its own.

struct IntCall : internal::BatchedCall {
  int in = 0;
  int out = 0;
};

TEST(BatcherTest, ABatchRunsOnTheThreadOfOneOfItsCallers) {
  constexpr int kBatch = 4;
  std::mutex mu;
  std::vector<std::thread::id> ran_on;
  std::vector<std::size_t> sizes;
  internal::Batcher batcher(
      {.batch_size = kBatch, .timeout = kNeverTimesOut},
      [&](const std::vector<internal::BatchedCall*>& calls, std::size_t num_calls) {
        for (std::size_t i = 0; i < num_calls; ++i) {
          auto* call = static_cast<IntCall*>(calls[i]);
          call->out = call->in * 3;
        }
        std::lock_guard lock(mu);
        ran_on.push_back(std::this_thread::get_id());
        sizes.push_back(calls.size());
        return absl::OkStatus();
      });
  std::vector<std::thread::id> callers(kBatch);
  std::vector<int> outs(kBatch);
  std::vector<std::thread> threads;
  for (int c = 0; c < kBatch; ++c) {
    threads.emplace_back([&, c] {
      callers[c] = std::this_thread::get_id();
      IntCall call;
      call.in = c + 1;
      EXPECT_TRUE(batcher.Call(&call).ok());
      outs[c] = call.out;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(outs, ElementsAre(3, 6, 9, 12));
  ASSERT_THAT(sizes, ElementsAre(4u));
  EXPECT_NE(std::find(callers.begin(), callers.end(), ran_on[0]), callers.end());
}

TEST(BatcherTest, AnErrorStatusAndANonStandardExceptionReachEveryCaller) {
  for (bool throw_it : {false, true}) {
    internal::Batcher batcher({.batch_size = 2, .timeout = kNeverTimesOut},
                              [&](const std::vector<internal::BatchedCall*>&, std::size_t) {
                                if (throw_it) throw 42;
                                return absl::ResourceExhaustedError("out of tea");
                              });
    std::vector<absl::Status> statuses(2);
    std::vector<std::thread> threads;
    for (int c = 0; c < 2; ++c) {
      threads.emplace_back([&, c] {
        IntCall call;
        statuses[c] = batcher.Call(&call);
      });
    }
    for (std::thread& thread : threads) thread.join();
    for (const absl::Status& status : statuses) {
      if (throw_it) {
        EXPECT_EQ(status.code(), absl::StatusCode::kUnknown) << status;
        EXPECT_THAT(std::string(status.message()), HasSubstr("not derived from std::exception"));
      } else {
        EXPECT_EQ(status, absl::ResourceExhaustedError("out of tea"));
      }
    }
  }
}

TEST(BatcherTest, AZeroTimeoutRunsWhatIsWaiting) {
  std::atomic<int> invocations{0};
  internal::Batcher batcher({.batch_size = 100, .timeout = absl::ZeroDuration()},
                            [&](const std::vector<internal::BatchedCall*>& calls, std::size_t) {
                              invocations.fetch_add(1);
                              EXPECT_GE(calls.size(), 1u);
                              return absl::OkStatus();
                            });
  IntCall call;
  EXPECT_TRUE(batcher.Call(&call).ok());
  EXPECT_TRUE(batcher.Call(&call).ok());
  EXPECT_EQ(invocations.load(), 2);
}

TEST(BatcherTest, RejectsImpossibleOptions) {
  auto noop = [](const std::vector<internal::BatchedCall*>&, std::size_t) {
    return absl::OkStatus();
  };
  EXPECT_THROW(internal::Batcher({.batch_size = 0}, noop), std::invalid_argument);
  EXPECT_TRUE(internal::CheckBatchingOptions("M", {.batch_size = 4}, 4).ok());
  EXPECT_TRUE(internal::CheckBatchingOptions("M", {.batch_size = 4}, 0).ok());
  EXPECT_EQ(internal::CheckBatchingOptions("M", {.batch_size = 4}, 3).code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace lp
