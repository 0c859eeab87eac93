// CourierNode in programs: nodes calling each other through their handles, a cycle of
// handles closed with Configure(), many threads sharing one client with 100k futures in
// flight over the test, and the node's Run()/serving life.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"
#include "lp/lp.h"

namespace lp {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const LaunchOptions kTestMt{.launch_type = LaunchType::kTestMt};
constexpr absl::Duration kLong = absl::Seconds(120);

// ---------------------------------------------------------------------------------------
// Many callers, many futures: nothing lost, nothing duplicated.

class Counter {
 public:
  int64_t Transform(int64_t v) {
    calls_.fetch_add(1, std::memory_order_relaxed);
    return 2 * v + 1;
  }
  int64_t Calls() const { return calls_.load(); }

 private:
  std::atomic<int64_t> calls_{0};
};
LP_COURIER_METHODS(Counter, Transform, Calls);

TEST(CourierNodeTest, HundredThousandFuturesFromManyThreads) {
  constexpr int kThreads = 4;
  constexpr int64_t kCallsPerThread = 25'000;
  constexpr size_t kWindow = 64;  // calls in flight per thread

  Program program("many_futures");
  auto handle = program.AddNode(CourierNode<Counter>(), "counter");
  Controller controller = Launch(std::move(program), kTestMt);
  // One client shared by every thread (clients are thread-safe).
  const CourierClient<Counter> client = handle.Dereference().WithTimeout(kLong);
  ASSERT_EQ(client.Call(&Counter::Calls), 0);

  std::vector<std::vector<int64_t>> results(kThreads);
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::deque<std::pair<int64_t, Future<int64_t>>> in_flight;
      auto finish_one = [&] {
        auto [sent, future] = std::move(in_flight.front());
        in_flight.pop_front();
        const int64_t got = future.Get();
        if (got != 2 * sent + 1 && errors[t].empty()) {
          errors[t] = "sent " + std::to_string(sent) + ", got " + std::to_string(got);
        }
        results[t].push_back(got);
      };
      try {
        for (int64_t i = 0; i < kCallsPerThread; ++i) {
          const int64_t payload = t * 1'000'000'000LL + i;  // unique over all threads
          in_flight.emplace_back(payload, client.Async(&Counter::Transform, payload));
          if (in_flight.size() >= kWindow) finish_one();
        }
        while (!in_flight.empty()) finish_one();
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  std::vector<int64_t> all;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(errors[t], "") << "thread " << t;
    all.insert(all.end(), results[t].begin(), results[t].end());
  }
  std::vector<int64_t> expected;
  for (int t = 0; t < kThreads; ++t) {
    for (int64_t i = 0; i < kCallsPerThread; ++i) expected.push_back(2 * (t * 1'000'000'000LL + i) + 1);
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all.size(), expected.size());
  EXPECT_TRUE(std::adjacent_find(all.begin(), all.end()) == all.end()) << "a duplicated result";
  EXPECT_TRUE(all == expected) << "results differ from what was sent";
  // The server ran each call exactly once.
  EXPECT_EQ(client.Call(&Counter::Calls), kThreads * kCallsPerThread);
}

// ---------------------------------------------------------------------------------------
// A cycle: each node holds the other's handle, closed with Configure() after both were
// added. Neither class is default constructible: the nodes are created without arguments.

struct Rally {
  Event finished;
  int64_t result = -1;
  std::string error;
};

class Pong;

class Ping {
 public:
  Ping(CourierClient<Pong> pong, Rally* rally) : pong_(std::move(pong)), rally_(rally) {}
  void Run();
  // One hit of the rally: returns the number of hits from here to the end.
  int64_t Hit(int64_t remaining);
  std::string Name() const { return "ping"; }

 private:
  CourierClient<Pong> pong_;
  Rally* rally_;
};
LP_COURIER_METHODS(Ping, Hit, Name);

class Pong {
 public:
  explicit Pong(CourierClient<Ping> ping) : ping_(std::move(ping)) {}
  int64_t Hit(int64_t remaining) {
    return remaining == 0 ? 1 : 1 + ping_.Call(&Ping::Hit, remaining - 1);
  }
  std::string Partner() const { return ping_.Call(&Ping::Name); }

 private:
  CourierClient<Ping> ping_;
};
LP_COURIER_METHODS(Pong, Hit, Partner);

int64_t Ping::Hit(int64_t remaining) {
  return remaining == 0 ? 1 : 1 + pong_.Call(&Pong::Hit, remaining - 1);
}

void Ping::Run() {
  try {
    // Ping → Pong → Ping → ... nested calls through both servers, each waiting on the next.
    rally_->result = pong_.Call(&Pong::Hit, 9);
    if (pong_.Call(&Pong::Partner) != "ping") rally_->error = "Pong does not see Ping";
  } catch (const std::exception& e) {
    rally_->error = e.what();
  }
  rally_->finished.Notify();
  WaitForStop();  // keep serving: Pong still calls us
}

TEST(CourierNodeTest, CyclicHandlesThroughConfigure) {
  Rally rally;
  Program program("cycle");
  CourierNode<Ping> ping_node;
  CourierNode<Pong> pong_node;
  CourierHandle<Ping> ping = program.AddNode(ping_node, "ping");
  CourierHandle<Pong> pong = program.AddNode(pong_node, "pong");
  ping_node.Configure(pong, &rally);
  pong_node.Configure(ping);
  Controller controller = Launch(std::move(program), kTestMt);
  ASSERT_TRUE(rally.finished.WaitFor(kLong));
  EXPECT_EQ(rally.error, "");
  EXPECT_EQ(rally.result, 10);
  // From outside too: the test calls Pong, which calls Ping.
  EXPECT_EQ(pong.Dereference().WithTimeout(kLong).Call(&Pong::Partner), "ping");
  EXPECT_EQ(ping.Dereference().WithTimeout(kLong).Call(&Ping::Hit, 3), 4);
}

TEST(CourierNodeTest, NodeCreatedWithoutArgumentsAndNeverConfiguredFails) {
  Program program("unconfigured");
  program.AddNode(CourierNode<Pong>(), "pong");
  absl::Status status;
  EXPECT_NONFATAL_FAILURE_ON_ALL_THREADS(
      status = Launch(std::move(program), kTestMt).Wait(), "Configure");
  EXPECT_THAT(std::string(status.message()), HasSubstr("Configure"));
}

// ---------------------------------------------------------------------------------------
// Handles inside containers arrive as clients; a CourierNode with Run() serves while its
// Run() runs; ListMethods.

class Worker {
 public:
  explicit Worker(int id) : id_(id) {}
  int Id() const { return id_; }
  std::string Describe(const std::string& prefix) const { return prefix + std::to_string(id_); }

 private:
  int id_;
};
LP_COURIER_METHODS(Worker, Id, Describe);

struct Report {
  Event finished;
  std::vector<int> ids;
  std::map<std::string, std::string> described;
  std::vector<std::string> methods;
  std::string error;
};

class Boss {
 public:
  Boss(std::vector<CourierClient<Worker>> workers,
       std::map<std::string, CourierClient<Worker>> named,
       std::optional<CourierClient<Worker>> spare, Report* report)
      : workers_(std::move(workers)), named_(std::move(named)), spare_(std::move(spare)),
        report_(report) {}

  void Run() {
    try {
      std::vector<Future<int>> ids;
      for (const auto& w : workers_) ids.push_back(w.Async(&Worker::Id));
      for (auto& f : ids) report_->ids.push_back(f.Get());
      for (const auto& [name, w] : named_) report_->described[name] = w.Call(&Worker::Describe, name + "=");
      if (spare_) report_->methods = spare_->ListMethods();
    } catch (const std::exception& e) {
      report_->error = e.what();
    }
    report_->finished.Notify();
    WaitForStop();  // keep serving until the test is done with us
  }
  int Status() const { return 7; }

 private:
  std::vector<CourierClient<Worker>> workers_;
  std::map<std::string, CourierClient<Worker>> named_;
  std::optional<CourierClient<Worker>> spare_;
  Report* report_;
};
LP_COURIER_METHODS(Boss, Status);

TEST(CourierNodeTest, HandlesInContainersBecomeClients) {
  Report report;
  Program program("office");
  std::vector<CourierHandle<Worker>> workers;
  {
    auto group = program.Group("worker");
    for (int i = 0; i < 3; ++i) workers.push_back(program.AddNode(CourierNode<Worker>(i * 10)));
  }
  std::map<std::string, CourierHandle<Worker>> named{{"first", workers[0]}, {"last", workers[2]}};
  auto boss = program.AddNode(CourierNode<Boss>(workers, named, std::optional(workers[1]), &report),
                              "boss");
  Controller controller = Launch(std::move(program), kTestMt);
  ASSERT_TRUE(report.finished.WaitFor(kLong));
  EXPECT_EQ(report.error, "");
  EXPECT_THAT(report.ids, ElementsAre(0, 10, 20));
  EXPECT_THAT(report.described,
              ElementsAre(std::pair<const std::string, std::string>("first", "first=0"),
                          std::pair<const std::string, std::string>("last", "last=20")));
  EXPECT_THAT(report.methods, ElementsAre("Describe", "Id"));
  // Boss serves while its Run() runs.
  CourierClient<Boss> boss_client = boss.Dereference().WithTimeout(kLong);
  EXPECT_EQ(boss_client.Call(&Boss::Status), 7);
  EXPECT_THAT(boss_client.ListMethods(), ElementsAre("Status"));
  EXPECT_EQ(boss_client.target_name(), "boss/0");
  EXPECT_THAT(boss_client.Address(), HasSubstr(":"));
  controller.Stop();
  EXPECT_TRUE(controller.Wait().ok());
}

TEST(CourierNodeTest, DisabledRunStillServes) {
  Report report;
  Program program("disabled");
  auto worker = program.AddNode(CourierNode<Worker>(5), "worker");
  CourierNode<Boss> boss_node(std::vector<CourierHandle<Worker>>{worker},
                              std::map<std::string, CourierHandle<Worker>>{}, std::nullopt, &report);
  boss_node.DisableRun();
  auto boss = program.AddNode(boss_node, "boss");
  Controller controller = Launch(std::move(program), kTestMt);
  EXPECT_EQ(boss.Dereference().WithTimeout(kLong).Call(&Boss::Status), 7);
  EXPECT_FALSE(report.finished.HasBeenNotified());
  controller.Stop();
  EXPECT_TRUE(controller.Wait().ok());
}

// ---------------------------------------------------------------------------------------
// RunInline: a method served on gRPC's thread needs no handler thread.

struct GateState {
  Event entered;
  Event release;
};

class Gatekeeper {
 public:
  explicit Gatekeeper(GateState* state) : state_(state) {}
  // Holds its handler thread until the test releases it.
  int64_t Hold() {
    state_->entered.Notify();
    return state_->release.WaitFor(kLong) ? 1 : -1;
  }
  int64_t Peek() const { return 2; }
  int64_t Unlisted() const { return 3; }

 private:
  GateState* state_;
};
LP_COURIER_METHODS(Gatekeeper, Hold, Peek);

TEST(CourierNodeTest, InlineMethodAnswersWhileTheOnlyHandlerThreadIsHeld) {
  GateState state;
  Program program("inline");
  CourierNode<Gatekeeper> node(&state);
  node.SetServerOptions({.handler_threads = 1});
  node.RunInline(&Gatekeeper::Peek);
  auto handle = program.AddNode(std::move(node), "gatekeeper");
  Controller controller = Launch(std::move(program), kTestMt);
  const CourierClient<Gatekeeper> client = handle.Dereference().WithTimeout(kLong);

  Future<int64_t> held = client.Async(&Gatekeeper::Hold);
  ASSERT_TRUE(state.entered.WaitFor(kLong));
  // Handed to the handler thread, this call would wait behind Hold until its timeout.
  EXPECT_EQ(client.WithTimeout(absl::Seconds(30)).Call(&Gatekeeper::Peek), 2);
  EXPECT_FALSE(held.IsReady());
  state.release.Notify();
  EXPECT_EQ(held.Get(), 1);
  controller.Stop();
  EXPECT_TRUE(controller.Wait().ok());
}

TEST(CourierNodeTest, RunInlineRejectsAMethodThatIsNotListed) {
  GateState state;
  CourierNode<Gatekeeper> node(&state);
  try {
    node.RunInline(&Gatekeeper::Unlisted);
    ADD_FAILURE() << "RunInline accepted a method that is not served";
  } catch (const ProgramError& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("RunInline"), HasSubstr("not listed")));
  }
}

}  // namespace
}  // namespace lp
