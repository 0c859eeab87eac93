// One scrape covers the whole program: a node calls a CourierNode a known number of times
// (some calls fail, some are batched), then the test collects the program's metrics as the
// launcher's /metrics does and reads the counters back. Under test_mp the two nodes run in
// worker processes, which report to the coordinator on demand; under test_mt everything
// is in this process.

#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "lp/lp.h"
#include "src/launch/program_metrics.h"
#include "tests/metrics/exposition.h"

namespace lp {
namespace {

using ::lp::testing::LinesStartingWith;
using ::lp::testing::Value;

constexpr int kEchoes = 9;
constexpr int kFailures = 4;
constexpr int kBatched = 12;
constexpr absl::Duration kPatience = absl::Seconds(120);

class Server {
 public:
  int Echo(int x) { return x; }
  void Fail() { throw std::runtime_error("deliberate failure"); }  // UNKNOWN at the caller
  std::vector<int> Twice(Batch<int> calls) {
    std::vector<int> results;
    for (int x : calls) results.push_back(2 * x);
    return results;
  }
  // The caller is done with its calls.
  void Done() {
    std::lock_guard lock(mu_);
    done_ = true;
    changed_.notify_all();
  }
  // Returns once the caller is done: the test then knows every call was counted.
  bool AwaitDone() {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, absl::ToChronoSeconds(kPatience), [this] { return done_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  bool done_ = false;  // guarded by mu_
};
LP_COURIER_METHODS(Server, Echo, Fail, Twice, Done, AwaitDone);

class Caller {
 public:
  explicit Caller(CourierClient<Server> server) : server_(std::move(server)) {}
  void Run() {
    for (int i = 0; i < kEchoes; ++i) server_.Call(&Server::Echo, i);
    for (int i = 0; i < kFailures; ++i) {
      try {
        server_.Call(&Server::Fail);
      } catch (const std::exception&) {
        // expected: counted with its code
      }
    }
    std::vector<Future<int>> batched;
    for (int i = 0; i < kBatched; ++i) batched.push_back(server_.Async(&Server::Twice, i));
    for (auto& future : batched) future.Get();
    server_.Call(&Server::Done);
    WaitForStop();
  }

 private:
  CourierClient<Server> server_;
};

struct Launched {
  std::string server;  // the server node's label, "group/0"
  std::string caller;
  std::string text;    // the program's metrics once the caller was done
};

// Launches the program under `type` with groups named after `tag`, waits for the caller
// to finish its calls, collects the program's metrics and stops it.
Launched LaunchAndCollect(LaunchType type, const std::string& tag) {
  Launched result{absl::StrCat("server_", tag, "/0"), absl::StrCat("caller_", tag, "/0"), ""};
  Program program("metrics");
  CourierNode<Server> server_node;
  server_node.SetBatching(&Server::Twice, {.batch_size = 4, .timeout = absl::Milliseconds(50)});
  CourierHandle<Server> server =
      program.AddNode(std::move(server_node), absl::StrCat("server_", tag));
  program.AddNode(ClassNode<Caller>(server), absl::StrCat("caller_", tag));
  Controller controller = Launch(std::move(program), {.launch_type = type});
  EXPECT_TRUE(server.Dereference().Call(&Server::AwaitDone));

  std::shared_ptr<internal::CoordinatorServer> coordinator =
      type == LaunchType::kTestMp ? internal::LatestCoordinator() : nullptr;
  if (type == LaunchType::kTestMp) {
    EXPECT_NE(coordinator, nullptr);
  }
  absl::StatusOr<std::string> text =
      internal::CollectProgramMetrics(coordinator.get(), kPatience);
  EXPECT_TRUE(text.ok()) << text.status();
  if (text.ok()) result.text = *text;
  controller.Stop();
  EXPECT_TRUE(controller.Wait().ok());
  return result;
}

void ExpectEveryCallCounted(const Launched& run) {
  const std::string& text = run.text;
  const std::string& server = run.server;
  const std::string& caller = run.caller;
  // Served, by method and code.
  EXPECT_EQ(Value(text, "lp_courier_calls_served_total",
                  {{"node", server}, {"method", "Echo"}, {"code", "OK"}}),
            kEchoes)
      << text;
  EXPECT_EQ(Value(text, "lp_courier_calls_served_total",
                  {{"node", server}, {"method", "Fail"}, {"code", "UNKNOWN"}}),
            kFailures)
      << text;
  EXPECT_EQ(Value(text, "lp_courier_calls_served_total",
                  {{"node", server}, {"method", "Fail"}, {"code", "OK"}}),
            -1)
      << "no Fail call succeeded\n" << text;
  // Made, from the caller's node to the server's.
  EXPECT_EQ(Value(text, "lp_courier_calls_made_total",
                  {{"node", caller}, {"target", server}, {"method", "Echo"}, {"code", "OK"}}),
            kEchoes)
      << text;
  EXPECT_EQ(Value(text, "lp_courier_calls_made_total",
                  {{"node", caller}, {"target", server}, {"method", "Fail"}, {"code", "UNKNOWN"}}),
            kFailures)
      << text;
  EXPECT_EQ(Value(text, "lp_courier_calls_made_total",
                  {{"node", caller}, {"target", server}, {"method", "Twice"}, {"code", "OK"}}),
            kBatched)
      << text;
  // The test's own call, from no node.
  EXPECT_EQ(Value(text, "lp_courier_calls_made_total",
                  {{"node", "main"}, {"target", server}, {"method", "AwaitDone"}}),
            1)
      << text;
  // Latency histograms count every call.
  EXPECT_EQ(Value(text, "lp_courier_served_latency_seconds_count",
                  {{"node", server}, {"method", "Echo"}}),
            kEchoes)
      << text;
  EXPECT_EQ(Value(text, "lp_courier_made_latency_seconds_count",
                  {{"node", caller}, {"target", server}, {"method", "Echo"}}),
            kEchoes)
      << text;
  // Batch sizes add up to the calls of the batched method.
  EXPECT_EQ(Value(text, "lp_courier_batch_size_sum", {{"node", server}, {"method", "Twice"}}),
            kBatched)
      << text;
  EXPECT_GE(Value(text, "lp_courier_batch_size_count", {{"node", server}, {"method", "Twice"}}),
            kBatched / 4)
      << text;
  // Bytes: what the caller sent is what the server received.
  const double sent = Value(text, "lp_courier_made_sent_bytes_total",
                            {{"node", caller}, {"target", server}, {"method", "Echo"}});
  EXPECT_GT(sent, 0) << text;
  EXPECT_EQ(Value(text, "lp_courier_served_received_bytes_total",
                  {{"node", server}, {"method", "Echo"}}),
            sent)
      << text;
  EXPECT_GT(Value(text, "lp_courier_served_sent_bytes_total", {{"node", server}, {"method", "Echo"}}),
            0)
      << text;
  // One HELP and one TYPE per family, whatever the number of processes.
  EXPECT_EQ(LinesStartingWith(text, "# TYPE lp_courier_calls_served_total "), 1) << text;
  EXPECT_EQ(LinesStartingWith(text, "# HELP lp_courier_calls_made_total "), 1) << text;
}

TEST(ProgramMetricsTest, OneScrapeCountsEveryCallAcrossTheWorkerProcesses) {
  const Launched run = LaunchAndCollect(LaunchType::kTestMp, "mp");
  ExpectEveryCallCounted(run);
  // Both workers answered the coordinator.
  EXPECT_EQ(Value(run.text, "lp_metrics_workers_asked", {}), 2) << run.text;
  EXPECT_EQ(Value(run.text, "lp_metrics_workers_reported", {}), 2) << run.text;
}

TEST(ProgramMetricsTest, OneScrapeCountsEveryCallOfAThreadLaunch) {
  ExpectEveryCallCounted(LaunchAndCollect(LaunchType::kTestMt, "mt"));
}

}  // namespace
}  // namespace lp
