// The launcher's status server over real HTTP, through a program's life, under test_mt
// (threads) and test_mp (processes): every node listed with its state, host, pid and
// address; a failed node's message; a colocation's restart count; the page; lp_status's
// table; a bad port.
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "absl/strings/str_cat.h"
#include "lp/lp.h"
#include "src/status/status_client.h"
#include "tests/metrics/exposition.h"

namespace lp {
namespace {

using ::lp::testing::Value;
using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr absl::Duration kGenerous = absl::Seconds(120);

// Opened by the test; a node waits on it before it fails, so the test sees it running.
class Gate {
 public:
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    opened_.notify_all();
  }
  void AwaitOpen() {
    std::unique_lock lock(mu_);
    opened_.wait(lock, [this] { return open_; });
  }
  // How many times Attempt was called: a restarted node tells its runs apart.
  int Attempt() {
    std::lock_guard lock(mu_);
    return ++attempts_;
  }

 private:
  std::mutex mu_;
  std::condition_variable opened_;
  bool open_ = false;
  int attempts_ = 0;
};
LP_COURIER_METHODS(Gate, Open, AwaitOpen, Attempt);

void FailOnceTheGateOpens(CourierClient<Gate> gate) {
  gate.Call(&Gate::AwaitOpen);
  throw std::runtime_error("the failer gives up: boom");
}

// Fails on its first run, runs until the stop on its second.
void FailTheFirstTime(CourierClient<Gate> gate) {
  if (gate.Call(&Gate::Attempt) == 1) throw std::runtime_error("first run fails");
  WaitForStop();
}

void WaitUntilStopped() { WaitForStop(); }

Json Get(const std::string& url, const std::string& path) {
  absl::StatusOr<std::string> body = internal::FetchFromStatusServer(url, path);
  if (!body.ok()) {
    ADD_FAILURE() << path << ": " << body.status();
    return Json();
  }
  return Json::parse(*body);
}

const Json* FindNode(const Json& nodes, const std::string& id) {
  for (const Json& node : nodes["nodes"]) {
    if (node["id"] == id) return &node;
  }
  return nullptr;
}

// Asks /api/nodes until `done` holds for it, or kGenerous passes; returns the last answer.
template <typename Done>
Json AwaitNodes(const std::string& url, Done done) {
  const absl::Time deadline = absl::Now() + kGenerous;
  Json nodes;
  while (absl::Now() < deadline) {
    nodes = Get(url, "/api/nodes");
    if (nodes.is_object() && done(nodes)) return nodes;
    absl::SleepFor(absl::Milliseconds(50));
  }
  ADD_FAILURE() << "the status did not get there in time; last: " << nodes.dump(2);
  return nodes;
}

bool AllRunning(const Json& nodes) {
  for (const Json& node : nodes["nodes"]) {
    if (node["state"] != "running") return false;
  }
  return true;
}

std::string Hostname() {
  char name[256] = {};
  gethostname(name, sizeof(name) - 1);
  return name;
}

class StatusServerTest : public ::testing::TestWithParam<LaunchType> {
 protected:
  bool Processes() const { return GetParam() == LaunchType::kTestMp; }
  LaunchOptions Options() const { return {.launch_type = GetParam(), .status_port = 0}; }
};

TEST_P(StatusServerTest, ShowsEveryNodeRunningThenHowEachEnded) {
  Program program("watched");
  CourierHandle<Gate> gate = program.AddNode(CourierNode<Gate>(), "gate");
  program.AddNode(FunctionNode(WaitUntilStopped), "waiter");
  program.AddNode(FunctionNode(FailOnceTheGateOpens, gate), "failer");

  Json running;
  Json ended;
  Json program_json;
  absl::Status outcome;
  // The failer's failure is reported to the running test too: expected, once.
  EXPECT_NONFATAL_FAILURE_ON_ALL_THREADS(
      {
        Controller controller = Launch(std::move(program), Options());
        const std::string url = controller.StatusUrl();
        ASSERT_THAT(url, ::testing::StartsWith("http://127.0.0.1:"));
        // Running, and the gate's server published (a moment after its node runs).
        running = AwaitNodes(url, [](const Json& nodes) {
          const Json* gate = FindNode(nodes, "gate/0");
          return AllRunning(nodes) && gate != nullptr && (*gate)["address"].is_string();
        });
        try {
          gate.Dereference().Call(&Gate::Open);
        } catch (const ProgramStoppedError&) {
          // The failer, let through, may fail and stop the program before this call's
          // reply is in: the stop cancels it. Either way the gate is open.
        }
        outcome = controller.Wait();
        // Still served until the controller goes: the end can be seen.
        ended = Get(url, "/api/nodes");
        program_json = Get(url, "/api/program");
      },
      "the failer gives up: boom");

  SCOPED_TRACE(absl::StrCat("running: ", running.dump(2), "\nended: ", ended.dump(2),
                            "\nprogram: ", program_json.dump(2)));
  ASSERT_EQ(running["nodes"].size(), 3u);
  std::set<int64_t> pids;
  for (const Json& node : running["nodes"]) {
    EXPECT_EQ(node["host"], Hostname()) << node.dump();
    ASSERT_TRUE(node["pid"].is_number()) << node.dump();
    pids.insert(node["pid"].get<int64_t>());
    EXPECT_TRUE(node["uptime_seconds"].is_number()) << node.dump();
  }
  if (Processes()) {
    EXPECT_EQ(pids.size(), 3u);  // a process each
    EXPECT_FALSE(pids.contains(getpid()));
  } else {
    EXPECT_EQ(pids, std::set<int64_t>{getpid()});
  }
  const Json* gate_node = FindNode(running, "gate/0");
  ASSERT_NE(gate_node, nullptr);
  ASSERT_TRUE((*gate_node)["address"].is_string());
  EXPECT_THAT((*gate_node)["address"].get<std::string>(), ::testing::StartsWith("127.0.0.1:"));
  EXPECT_THAT((*gate_node)["kind"].get<std::string>(), HasSubstr("Gate"));

  EXPECT_FALSE(outcome.ok());
  const Json* failer = FindNode(ended, "failer/0");
  ASSERT_NE(failer, nullptr) << ended.dump(2);
  EXPECT_EQ((*failer)["state"], "failed");
  ASSERT_TRUE((*failer)["ended_how"].is_string());
  EXPECT_THAT((*failer)["ended_how"].get<std::string>(), HasSubstr("the failer gives up: boom"));
  if (Processes()) {
    EXPECT_TRUE((*failer)["exit_code"].is_number()) << failer->dump();
    EXPECT_NE((*failer)["exit_code"], 0);
  }
  for (const std::string id : {"gate/0", "waiter/0"}) {
    const Json* node = FindNode(ended, id);
    ASSERT_NE(node, nullptr);
    EXPECT_EQ((*node)["state"], "exited") << node->dump();
  }
  EXPECT_EQ(program_json["name"], "watched");
  EXPECT_EQ(program_json["launch_type"], Processes() ? "test_mp" : "test_mt");
  EXPECT_EQ(program_json["ended"], true);
  ASSERT_TRUE(program_json["stop_reason"].is_string());
  EXPECT_THAT(program_json["stop_reason"].get<std::string>(), HasSubstr("failer/0 failed"));
}

TEST_P(StatusServerTest, CountsTheRestartsOfAColocationsInnerNode) {
  Program program("restarts");
  CourierHandle<Gate> gate = program.AddNode(CourierNode<Gate>(), "gate");
  FunctionNode flaky(FailTheFirstTime, gate);
  program.AddNode(MultiProcessingColocation({flaky}, /*num_retries_on_failure=*/1), "coloc");
  Controller controller = Launch(std::move(program), Options());
  const std::string url = controller.StatusUrl();
  const Json nodes = AwaitNodes(url, [](const Json& nodes) {
    const Json* inner = FindNode(nodes, "coloc/0/0");
    return inner != nullptr && (*inner)["restarts"] == 1 && (*inner)["state"] == "running";
  });
  const Json* inner = FindNode(nodes, "coloc/0/0");
  ASSERT_NE(inner, nullptr) << nodes.dump(2);
  EXPECT_EQ((*inner)["parent"], "coloc/0");
  EXPECT_EQ((*inner)["restarts"], 1);

  // lp_status's table, from the same server.
  absl::StatusOr<std::string> table = internal::FetchStatusTable(url);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_THAT(*table, HasSubstr("program 'restarts'"));
  EXPECT_THAT(*table, HasSubstr("coloc/0/0"));
  EXPECT_THAT(*table, HasSubstr("running"));

  controller.Stop();
  EXPECT_TRUE(controller.Wait().ok());
}

TEST_P(StatusServerTest, ServesThePageAndTheGraph) {
  Program program("page");
  program.AddNode(FunctionNode(WaitUntilStopped), "waiter");
  Controller controller = Launch(std::move(program), Options());
  absl::StatusOr<std::string> page =
      internal::FetchFromStatusServer(controller.StatusUrl(), "/");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(*page, HasSubstr("<table id=\"nodes\">"));
  EXPECT_THAT(*page, HasSubstr("/api/nodes"));
  absl::StatusOr<std::string> graph =
      internal::FetchFromStatusServer(controller.StatusUrl(), "/graph.svg");
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_THAT(*graph, AllOf(HasSubstr("<svg"), HasSubstr("id=\"graph_waiter/0\"")));
  controller.Stop();
  EXPECT_TRUE(controller.Wait().ok());
}

// Counters are each process's since it started (Prometheus's counters), and this test
// binary launches several programs: the test counts what its own calls added.
TEST_P(StatusServerTest, MetricsCountTheCallsTheTestMadeAndTheNodesStates) {
  Program program("metered");
  CourierHandle<Gate> gate = program.AddNode(CourierNode<Gate>(), "gate");
  program.AddNode(FunctionNode(WaitUntilStopped), "waiter");
  Controller controller = Launch(std::move(program), Options());
  CourierClient<Gate> client = gate.Dereference();
  client.Call(&Gate::Attempt);  // the gate's server is up and counted once
  const std::map<std::string, std::string> served = {
      {"node", "gate/0"}, {"method", "Attempt"}, {"code", "OK"}};
  const std::map<std::string, std::string> made = {
      {"node", "main"}, {"target", "gate/0"}, {"method", "Attempt"}, {"code", "OK"}};
  absl::StatusOr<std::string> before =
      internal::FetchFromStatusServer(controller.StatusUrl(), "/metrics");
  ASSERT_TRUE(before.ok()) << before.status();
  constexpr int kCalls = 7;
  for (int i = 0; i < kCalls; ++i) client.Call(&Gate::Attempt);
  absl::StatusOr<std::string> after =
      internal::FetchFromStatusServer(controller.StatusUrl(), "/metrics");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_GE(Value(*before, "lp_courier_calls_served_total", served), 1) << *before;
  EXPECT_EQ(Value(*after, "lp_courier_calls_served_total", served) - Value(*before, "lp_courier_calls_served_total", served), kCalls) << *after;
  EXPECT_EQ(Value(*after, "lp_courier_calls_made_total", made) - Value(*before, "lp_courier_calls_made_total", made), kCalls) << *after;
  EXPECT_EQ(Value(*after, "lp_node_state", {{"node", "waiter/0"}, {"state", "running"}}), 1);
  EXPECT_EQ(Value(*after, "lp_node_state", {{"node", "waiter/0"}, {"state", "starting"}}), 0);
  EXPECT_EQ(Value(*after, "lp_node_restarts_total", {{"node", "gate/0"}}), 0);
  controller.Stop();
  EXPECT_TRUE(controller.Wait().ok());
}

INSTANTIATE_TEST_SUITE_P(LaunchTypes, StatusServerTest,
                         ::testing::Values(LaunchType::kTestMt, LaunchType::kTestMp),
                         [](const auto& info) {
                           return std::string(LaunchTypeName(info.param));
                         });

TEST(StatusServerOptionsTest, TestLaunchesHaveNoStatusServerUnlessAskedFor) {
  Program program("quiet");
  program.AddNode(FunctionNode([] {}), "f");
  Controller controller = Launch(std::move(program), {.launch_type = LaunchType::kTestMt});
  EXPECT_EQ(controller.StatusUrl(), "");
  EXPECT_TRUE(controller.Wait().ok());
}

TEST(StatusServerOptionsTest, APortThatIsTakenFailsTheLaunchWithWhatToDo) {
  Program first("first");
  first.AddNode(FunctionNode(WaitUntilStopped), "waiter");
  Controller holder = Launch(std::move(first), {.launch_type = LaunchType::kTestMt, .status_port = 0});
  const std::string url = holder.StatusUrl();
  const int port = std::stoi(url.substr(url.rfind(':') + 1));

  Program second("second");
  second.AddNode(FunctionNode(WaitUntilStopped), "waiter");
  const absl::Status status =
      Launch(std::move(second), {.launch_type = LaunchType::kTestMt, .status_port = port}).Wait();
  EXPECT_THAT(std::string(status.message()),
              AllOf(HasSubstr(absl::StrCat("127.0.0.1:", port)), HasSubstr("--lp_status_port")));
  holder.Stop();
  EXPECT_TRUE(holder.Wait().ok());
}

TEST(StatusServerOptionsTest, AnImpossiblePortIsALaunchError) {
  Program program("bad_port");
  program.AddNode(FunctionNode([] {}), "f");
  const absl::Status status =
      Launch(std::move(program), {.launch_type = LaunchType::kTestMt, .status_port = 70000}).Wait();
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("status port"));
}

TEST(StatusClientTest, NothingListeningIsUnavailableNamingTheAddress) {
  absl::StatusOr<std::string> table =
      internal::FetchStatusTable("127.0.0.1:1", absl::Seconds(5));
  EXPECT_TRUE(absl::IsUnavailable(table.status())) << table.status();
  EXPECT_THAT(std::string(table.status().message()), HasSubstr("127.0.0.1:1"));
}

}  // namespace
}  // namespace lp
