// The slurm launch type against a real cluster: slurmctld and slurmd started by
// scripts/slurm/run_with_cluster.sh, which runs this binary (in the head namespace when
// the cluster has several hosts). tests/slurm/slurm_child and the consumer_producers
// example are launched as real programs and watched through their output, their exit
// code, squeue and /proc. Every wait is for an event (a line, an exit, an empty queue),
// with generous deadlines.
//
// LP_SLURM_HOSTS says which cluster this is: 0 for one host (the launcher's own), N for N
// namespace hosts n1..nN.

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/process/find_program.h"
#include "src/process/run_command.h"
#include "src/status/status_client.h"
#include "tests/launch/launch_test_util.h"
#include "tests/support/arguments_checks.h"
#include "tests/support/child_process.h"
#include "src/courier/rpc/transport_security.h"
#include "tests/support/outside_client.h"
#include "tests/support/recycling_lines.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certificates.h"
#include "tests/terminal/timestamp_checks.h"

namespace lp {
namespace {

using ::lp::testing::BuildDir;
using ::lp::testing::ChildProcess;
using ::lp::testing::ExitCodeOf;
using ::lp::testing::kGenerous;
using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

// How long a launch gets from start to exit; a cluster on a loaded 2-core machine is slow.
constexpr absl::Duration kLaunchDeadline = absl::Seconds(120);

std::string Child() { return BuildDir() + "/tests/slurm/slurm_child"; }
std::string ConsumerProducers() { return BuildDir() + "/examples/consumer_producers"; }
std::string RlExample() { return BuildDir() + "/examples/rl"; }
std::string BatchingExample() { return BuildDir() + "/examples/batching"; }

// ChildProcess runs a path, not a name.
std::string Salloc() {
  absl::StatusOr<std::string> path = internal::FindProgram("salloc");
  return path.ok() ? *path : "salloc";
}

int ClusterHosts() {
  const char* hosts = std::getenv("LP_SLURM_HOSTS");
  int count = 0;
  return hosts != nullptr && absl::SimpleAtoi(hosts, &count) ? count : 0;
}

// How many machines a program may spread over: 1 on the single-host cluster.
int Machines() { return std::max(1, ClusterHosts()); }

std::string CommandOutput(const std::vector<std::string>& argv) {
  absl::StatusOr<internal::CommandResult> result = internal::RunCommand(argv, kGenerous);
  if (!result.ok()) return absl::StrCat("<", result.status().ToString(), ">");
  return result->output;
}

// Polls `done` (a query of Slurm or /proc) every 100 ms until it holds or `timeout`
// passes. These are states of other processes, with no event to wait on.
bool Eventually(const std::function<bool()>& done, absl::Duration timeout = kGenerous) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

// The names of the queue's jobs that lp launched for `program` ("lp.<program>.*").
std::vector<std::string> QueuedJobs(const std::string& program) {
  std::vector<std::string> jobs;
  for (absl::string_view line :
       absl::StrSplit(CommandOutput({"squeue", "--noheader", "--format=%i %j %T"}), '\n',
                      absl::SkipWhitespace())) {
    if (absl::StrContains(line, absl::StrCat(" lp.", program, "."))) jobs.emplace_back(line);
  }
  return jobs;
}

// The processes whose command line carries `marker`: a launch's launcher and tasks.
std::vector<std::string> ProcessesWith(const std::string& marker) {
  std::vector<std::string> pids;
  for (absl::string_view line :
       absl::StrSplit(CommandOutput({"pgrep", "-f", marker}), '\n', absl::SkipWhitespace())) {
    pids.emplace_back(absl::StripAsciiWhitespace(line));
  }
  return pids;
}

// "host=<name>" of every "<word> <group/index> host=<name>" line, by node.
std::map<std::string, std::string> HostsOf(const std::string& word, const std::string& output) {
  const std::regex line(word + R"( (\S+/[0-9]+) host=(\S+))");
  std::map<std::string, std::string> hosts;
  for (auto it = std::sregex_iterator(output.begin(), output.end(), line);
       it != std::sregex_iterator(); ++it) {
    hosts[(*it)[1].str()] = (*it)[2].str();
  }
  return hosts;
}

std::set<std::string> Values(const std::map<std::string, std::string>& map) {
  std::set<std::string> values;
  for (const auto& [key, value] : map) values.insert(value);
  return values;
}

std::string LocalHostname() {
  char name[256] = {};
  gethostname(name, sizeof(name) - 1);
  return name;
}

class SlurmClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(std::getenv("SLURM_CONF"), nullptr)
        << "run this test through scripts/slurm/run_with_cluster.sh (CTest does)";
    std::random_device random;
    marker_ = absl::StrCat("lp-slurm-test-", random(), random());
  }

  // Nothing of the launch is left: no job in the queue, no process with the marker.
  void TearDown() override {
    for (const char* program :
         {"slurm_child", "consumer_producers", "rl_throw", "rl_stop", "rl"}) {
      EXPECT_TRUE(Eventually([program] { return QueuedJobs(program).empty(); }))
          << absl::StrJoin(QueuedJobs(program), "\n");
    }
    EXPECT_TRUE(Eventually([this] { return ProcessesWith(marker_).empty(); }))
        << "still running: " << absl::StrJoin(ProcessesWith(marker_), " ");
  }

  // `env`: extra "KEY=value" entries for the launcher's environment.
  std::unique_ptr<ChildProcess> Launch(const std::string& mode,
                                       std::vector<std::string> extra = {},
                                       std::vector<std::string> env = {}) {
    std::vector<std::string> argv = {Child(), absl::StrCat("--mode=", mode),
                                     absl::StrCat("--marker=", marker_)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return std::make_unique<ChildProcess>(argv, std::move(env));
  }

  // Waits until every node of `nodes` printed its "ready" line.
  void AwaitReady(ChildProcess& child, const std::vector<std::string>& nodes) {
    for (const std::string& node : nodes) {
      ASSERT_TRUE(child.WaitForOutput(absl::StrCat("ready ", node, " "), kLaunchDeadline))
          << child.output();
    }
  }

  std::vector<std::string> Waiters() const {
    std::vector<std::string> nodes;
    for (int i = 0; i < Machines(); ++i) nodes.push_back(absl::StrCat("waiter/", i));
    return nodes;
  }

  std::string marker_;
};

TEST_F(SlurmClusterTest, ConsumerProducersRunsOnEveryHost) {
  ChildProcess child({ConsumerProducers(), "--lp_launch_type=slurm",
                      absl::StrCat("--producer_hosts=", Machines())});
  ASSERT_EQ(ExitCodeOf(child.WaitForExit(kLaunchDeadline)), 0) << child.output();
  const std::regex producer_line(R"(producer ([0-9]+) returned ([0-9]+) \(host (\S+)\))");
  std::set<std::string> hosts;
  int answers = 0;
  const std::string output = child.output();
  for (auto it = std::sregex_iterator(output.begin(), output.end(), producer_line);
       it != std::sregex_iterator(); ++it) {
    ++answers;
    hosts.insert((*it)[3].str());
  }
  EXPECT_EQ(answers, 4) << output;
  EXPECT_THAT(output, HasSubstr("all 4 producers answered; total = 12"));
  if (ClusterHosts() == 0) {
    EXPECT_EQ(hosts, std::set<std::string>{LocalHostname()}) << output;
  } else {
    // The producers really ran on every machine, none on the launcher's.
    std::set<std::string> expected;
    for (int i = 1; i <= ClusterHosts(); ++i) expected.insert(absl::StrCat("n", i));
    EXPECT_EQ(hosts, expected) << output;
  }
}

TEST_F(SlurmClusterTest, InsideAnAllocationGroupsRunAsConcurrentSteps) {
  // 4 producers and the consumer need all 5 tasks of the allocation at once: steps that
  // took the whole allocation's memory would run one after another and the consumer
  // would wait for producers that never start.
  ChildProcess child({Salloc(), "--ntasks=5", "--mem-per-cpu=100M",
                      absl::StrCat("--nodes=", Machines()), ConsumerProducers(),
                      "--lp_launch_type=slurm", absl::StrCat("--producer_hosts=", Machines())});
  ASSERT_EQ(ExitCodeOf(child.WaitForExit(kLaunchDeadline)), 0) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("all 4 producers answered; total = 12"));
}

TEST_F(SlurmClusterTest, LauncherInsideAnSbatchJobRunsOnAComputeNode) {
  // The batch script, and so the launcher and its coordinator, runs on the allocation's
  // first compute node; the groups are steps, reached at that node's address.
  char output_path[] = "/tmp/lp-slurm-sbatch-XXXXXX";
  const int fd = mkstemp(output_path);
  ASSERT_GE(fd, 0);
  close(fd);
  const std::string script = absl::StrCat("echo launcher on host $(hostname); ",
                                          ConsumerProducers(), " --lp_launch_type=slurm",
                                          " --producer_hosts=", Machines());
  const std::string submitted = CommandOutput(
      {"sbatch", "--wait", "--ntasks=5", "--mem-per-cpu=100M",
       absl::StrCat("--nodes=", Machines()), absl::StrCat("--output=", output_path),
       absl::StrCat("--wrap=", script)});
  std::ifstream file(output_path);
  const std::string output((std::istreambuf_iterator<char>(file)),
                           std::istreambuf_iterator<char>());
  unlink(output_path);
  EXPECT_THAT(submitted, HasSubstr("Submitted batch job")) << submitted;
  EXPECT_THAT(output, HasSubstr("all 4 producers answered; total = 12")) << output;
  // Not the head namespace where sbatch ran.
  EXPECT_THAT(output, HasSubstr(ClusterHosts() > 0 ? "launcher on host n1\n"
                                                   : absl::StrCat("launcher on host ",
                                                                  LocalHostname(), "\n")))
      << output;
}

TEST_F(SlurmClusterTest, CoordinatorHostGivenByName) {
  // By name rather than the address Slurm reports: each task resolves it.
  const std::string host = ClusterHosts() > 0 ? "head" : "localhost";
  ChildProcess child({ConsumerProducers(), "--lp_launch_type=slurm",
                      absl::StrCat("--producer_hosts=", Machines()),
                      absl::StrCat("--lp_coordinator_host=", host)});
  ASSERT_EQ(ExitCodeOf(child.WaitForExit(kLaunchDeadline)), 0) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("all 4 producers answered; total = 12"));
}

TEST_F(SlurmClusterTest, StragglerStepInsideAnAllocationIsKilled) {
  ChildProcess child({Salloc(), "--ntasks=3", "--mem-per-cpu=100M", Child(),
                      "--mode=straggler", absl::StrCat("--marker=", marker_),
                      "--lp_termination_notice_secs=1"});
  ASSERT_EQ(ExitCodeOf(child.WaitForExit(kLaunchDeadline)), 3) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("were killed (nodes straggler/0)"));
}

TEST_F(SlurmClusterTest, GroupResourcesReachTheTasks) {
  auto child = Launch("resources", {absl::StrCat("--hosts=", std::min(2, Machines()))});
  ASSERT_EQ(ExitCodeOf(child->WaitForExit(kLaunchDeadline)), 0) << child->output();
  for (const char* node : {"worker/0", "worker/1"}) {
    EXPECT_THAT(child->output(),
                HasSubstr(absl::StrCat("resources ", node,
                                       " cpus=2 mem=300M env=hello from slurm_resources "
                                       "role=configured")))
        << child->output();
  }
  if (ClusterHosts() >= 2) {
    EXPECT_EQ(Values(HostsOf("ready", child->output())).size(), 2u) << child->output();
  }
}

// A Python script as a node on a compute node: its interpreter and script found there, its
// handles resolved to the waiters on every host, its group's resources applied, and its
// stop ending the program cleanly.
TEST_F(SlurmClusterTest, PythonNodeCallsEveryWaiterAndStopsTheProgram) {
  auto child = Launch("python", {absl::StrCat("--hosts=", Machines())});
  ASSERT_EQ(ExitCodeOf(child->WaitForExit(kLaunchDeadline)), 0) << child->output();
  for (int i = 0; i < Machines(); ++i) {
    EXPECT_THAT(child->output(), HasSubstr(absl::StrCat("python called waiter", i,
                                                        " on host=")));
    EXPECT_THAT(child->output(), HasSubstr(absl::StrCat(": waiter/", i, " got hi")));
  }
  EXPECT_THAT(child->output(),
              HasSubstr("python argv: --own=1 --greeting=hello env: from slurm_resources"));
  EXPECT_EQ(HostsOf("stopped", child->output()).size(), static_cast<size_t>(Machines()))
      << child->output();
}

// examples/rl across the cluster: the replay node, the learner, and C++ and Python actors
// spread over every host; the learner samples experience from actors of both kinds on
// every machine, learns, and stops the program cleanly.
TEST_F(SlurmClusterTest, RlExampleLearnsFromActorsOnEveryHost) {
  const int actors = std::max(2, Machines());
  ChildProcess child({RlExample(), "--lp_launch_type=slurm", "--steps=150",
                      absl::StrCat("--cpp_actors=", actors),
                      absl::StrCat("--python_actors=", actors),
                      absl::StrCat("--actor_hosts=", Machines())});
  ASSERT_EQ(ExitCodeOf(child.WaitForExit(kLaunchDeadline)), 0) << child.output();
  const std::string& output = child.output();
  EXPECT_THAT(output, ContainsRegex("learner: done after [0-9]+ steps")) << output;
  std::set<std::string> cpp_hosts, python_hosts;
  const std::regex sampled(R"(learner: sampled [0-9]+ items from (cpp|python) actor \S+ on (\S+))");
  for (auto it = std::sregex_iterator(output.begin(), output.end(), sampled);
       it != std::sregex_iterator(); ++it) {
    ((*it)[1].str() == "cpp" ? cpp_hosts : python_hosts).insert((*it)[2].str());
  }
  std::set<std::string> expected;
  if (ClusterHosts() == 0) {
    expected.insert(LocalHostname());
  } else {
    for (int i = 1; i <= ClusterHosts(); ++i) expected.insert(absl::StrCat("n", i));
  }
  EXPECT_EQ(cpp_hosts, expected) << output;
  EXPECT_EQ(python_hosts, expected) << output;
}

// examples/batching as Slurm tasks: 8 client nodes call one batched method across task
// boundaries; each gets its own results (the example checks them), and the last one to
// finish stops the program cleanly.
TEST_F(SlurmClusterTest, BatchedCallsFromEveryClientTaskGetTheirOwnResults) {
  constexpr int kClients = 8;
  ChildProcess child({BatchingExample(), "--lp_launch_type=slurm",
                      absl::StrCat("--num_clients=", kClients)});
  ASSERT_EQ(ExitCodeOf(child.WaitForExit(kLaunchDeadline)), 0) << child.output();
  const std::string& output = child.output();
  for (int i = 0; i < kClients; ++i) {
    EXPECT_THAT(output, HasSubstr(absl::StrCat("client ", i, ": 10 results checked"))) << output;
  }
  EXPECT_THAT(output, ContainsRegex("server: batches run \\(count of size\\): [0-9]"))
      << output;
}

TEST_F(SlurmClusterTest, StopFromANodeReachesEveryTask) {
  auto child = Launch("stop", {absl::StrCat("--hosts=", Machines())});
  ASSERT_EQ(ExitCodeOf(child->WaitForExit(kLaunchDeadline)), 0) << child->output();
  const auto stopped = HostsOf("stopped", child->output());
  EXPECT_EQ(stopped.size(), static_cast<size_t>(Machines())) << child->output();
  EXPECT_EQ(Values(stopped).size(), static_cast<size_t>(Machines())) << child->output();
}

// Tensors of 2 MiB from one task to a waiter on every host arrive whole (the waiters sum
// them) and, to a waiter on the sender's own host, through shared memory after the first
// call: the sender's bytes through gRPC to it stay under two tensors' worth, where a
// waiter on another host gets all four. The same for four tensors the sender fetches from
// each waiter, as actors fetch a learner's parameters (docs/courier.md, "Tensors between
// processes of one machine"). The sender also fetches a dict of two 4 MiB tensors from
// each (a learner's layers), which a host reads by hand onto huge pages, and checks them.
// In the actor's loop that follows, each process reuses the storage of the tensors it is
// done with, whether they crossed gRPC between hosts or shared memory within one.
TEST_F(SlurmClusterTest, LargeTensorsReachEveryHostAndGoThroughSharedMemoryOnTheirOwn) {
  constexpr double kTensorBytes = 2 << 20;
  auto child = Launch("tensors", {absl::StrCat("--hosts=", Machines())});
  ASSERT_EQ(ExitCodeOf(child->WaitForExit(kLaunchDeadline)), 0) << child->output();
  const std::string& output = child->output();
  const std::regex line(
      R"(tensors (waiter/[0-9]+) host=(\S+) sender_host=(\S+) sent=([0-9]+) received=([0-9]+))");
  int waiters = 0, same_host = 0;
  for (auto it = std::sregex_iterator(output.begin(), output.end(), line);
       it != std::sregex_iterator(); ++it) {
    ++waiters;
    const double sent = std::stod((*it)[4].str());
    const double received = std::stod((*it)[5].str());
    if ((*it)[2].str() == (*it)[3].str()) {
      ++same_host;
      EXPECT_LT(sent, 2 * kTensorBytes) << (*it)[0].str() << "\n" << output;
      EXPECT_LT(received, 2 * kTensorBytes) << (*it)[0].str() << "\n" << output;
    } else {
      EXPECT_GE(sent, 4 * kTensorBytes) << (*it)[0].str() << "\n" << output;
      EXPECT_GE(received, 4 * kTensorBytes) << (*it)[0].str() << "\n" << output;
    }
  }
  EXPECT_EQ(waiters, Machines()) << output;
  // One task per host: the sender shares its host with one waiter at least when the
  // cluster is one machine.
  if (ClusterHosts() == 0) {
    EXPECT_EQ(same_host, Machines()) << output;
  }
  ::lp::testing::ExpectTensorStorageReused(output, Machines());
}

// The names of the files in `dir`, for messages.
std::vector<std::string> ListDirectory(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    names.push_back(entry.path().filename().string());
  }
  return names;
}

// The launcher splits the srun's output by task: one file per node, as under local_mp,
// where the banner says, each line stamped with the time the launcher read it.
TEST_F(SlurmClusterTest, OutputToFilesWritesOneTimestampedFilePerNode) {
  lp::testing::TempDir dir("lp-slurm-logs");
  ASSERT_FALSE(dir.path().empty());
  const std::string logs = dir.path() + "/logs";
  const absl::Time before = absl::Now();
  auto child = Launch("stop", {absl::StrCat("--hosts=", Machines()),
                               "--lp_terminal=output_to_files", "--lp_log_dir=" + logs,
                               "--lp_log_timestamps"});
  ASSERT_EQ(ExitCodeOf(child->WaitForExit(kLaunchDeadline)), 0) << child->output();
  const absl::Time after = absl::Now();
  EXPECT_THAT(child->output(), HasSubstr("lp: node output is in " + logs + " (one file per node"));
  EXPECT_THAT(child->output(), Not(HasSubstr("ready waiter/0")));

  std::vector<std::string> nodes = Waiters();
  nodes.push_back("stopper/0");
  for (const std::string& node : nodes) {
    const std::string path =
        absl::StrCat(logs, "/", absl::StrReplaceAll(node, {{"/", "."}}), ".log");
    std::ifstream file(path);
    ASSERT_TRUE(file.is_open()) << path << " is missing; the directory has: "
                                << absl::StrJoin(ListDirectory(logs), ", ");
    const std::string content((std::istreambuf_iterator<char>(file)),
                              std::istreambuf_iterator<char>());
    if (node == "stopper/0") {
      EXPECT_THAT(content, HasSubstr("stopping from stopper/0 host=")) << path;
    } else {
      EXPECT_THAT(content, AllOf(HasSubstr(absl::StrCat("ready ", node, " host=")),
                                 HasSubstr(absl::StrCat("stopped ", node, " host="))))
          << path;
    }
    for (absl::string_view line : absl::StrSplit(content, '\n', absl::SkipEmpty())) {
      std::string rest;
      const std::optional<absl::Time> time =
          lp::testing::LineTimestamp(std::string(line), &rest);
      ASSERT_TRUE(time.has_value()) << path << ": " << line;
      EXPECT_GE(*time, before - absl::Milliseconds(1)) << line;
      EXPECT_LE(*time, after + absl::Milliseconds(1)) << line;
      // srun's task label is gone: the file says whose line it is.
      EXPECT_FALSE(std::regex_search(rest, std::regex(R"(^ *[0-9]+: )"))) << path << ": " << line;
    }
    for (const std::string& other : nodes) {
      if (other == node) continue;
      EXPECT_THAT(content, Not(HasSubstr(absl::StrCat(" ", other, " host=")))) << path;
    }
  }
}

TEST_F(SlurmClusterTest, ProcessColocationRunsItsInnerNodesInsideTheTask) {
  auto child = Launch("colocation");
  ASSERT_EQ(ExitCodeOf(child->WaitForExit(kLaunchDeadline)), 0) << child->output();
  // Both inner nodes, subprocesses of the one task, answered and saw the stop.
  EXPECT_EQ(HostsOf("ready", child->output()).size(), 2u) << child->output();
  EXPECT_EQ(HostsOf("stopped", child->output()).size(), 2u) << child->output();
  EXPECT_THAT(child->output(), HasSubstr("ready pair/0/1 host="));
}

// Node arguments computed in main() travel from the launcher to the tasks (issue 16; the
// programs and checks are tests/support/arguments_*.h, as under local_mp).
TEST_F(SlurmClusterTest, ValuesComputedInMainReachEveryTaskAsTheLauncherComputedThem) {
  lp::testing::TempDir scratch("lp-args-test");
  ASSERT_FALSE(scratch.path().empty());
  auto child = Launch("travel", {"--scratch=" + scratch.path()});
  ASSERT_EQ(ExitCodeOf(child->WaitForExit(kLaunchDeadline)), 0) << child->output();
  lp_test_arguments::ExpectTravelled(child->output());
}

TEST_F(SlurmClusterTest, ANonSerializableArgumentThatDiffersFailsTheLaunchBeforeAnyNodeRuns) {
  auto child = Launch("differs");
  EXPECT_EQ(ExitCodeOf(child->WaitForExit(kLaunchDeadline)), 1) << child->output();
  lp_test_arguments::ExpectDiffersExplained(child->output());
}

TEST_F(SlurmClusterTest, LaunchIdIsOnePerLaunchOfASweep) {
  auto child = Launch("sweep");
  ASSERT_EQ(ExitCodeOf(child->WaitForExit(kLaunchDeadline)), 0) << child->output();
  lp_test_arguments::ExpectOneIdPerLaunch(child->output());
}

// The <host:port> of the whole line "address <node> <host:port>" the child printed, waiting
// for it; empty if it did not come.
std::string PrintedAddress(ChildProcess& child, const std::string& node) {
  return child.WaitForMatch("address " + node + R"( (\S+)\n)", kLaunchDeadline);
}

TEST_F(SlurmClusterTest, CourierCallsFromOutsideNeedTheLaunchsSecret) {
  // The user chose the secret for the launch, to give it to this outside client.
  const std::string secret = "slurm-test-secret-0123456789abcdef";
  auto child = Launch("secret", {absl::StrCat("--hosts=", Machines())},
                      {absl::StrCat("LP_COURIER_SECRET=", secret)});
  std::map<std::string, std::string> addresses;
  for (const std::string& waiter : Waiters()) {
    addresses[waiter] = PrintedAddress(*child, waiter);
    ASSERT_FALSE(addresses[waiter].empty()) << "no address of " << waiter << ":\n"
                                            << child->output();
  }
  // This test runs where the launcher does (the head, under --hosts N): the servers are
  // on the compute hosts, bound to every interface, reached over the cluster's network.
  for (const auto& [waiter, address] : addresses) {
    const absl::StatusOr<std::string> refused =
        lp::testing::CallFromOutside(address, "", "Echo", "x", kLaunchDeadline);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated) << refused.status();
    EXPECT_THAT(refused.status().message(),
                HasSubstr(absl::StrCat("call to node ", waiter, " lacks the launch's secret")));
    const absl::StatusOr<std::string> wrong = lp::testing::CallFromOutside(
        address, "another-launch-0123456789abcdef", "Echo", "x", kLaunchDeadline);
    EXPECT_EQ(wrong.status().code(), absl::StatusCode::kUnauthenticated) << wrong.status();
    EXPECT_EQ(lp::testing::CallFromOutside(address, secret, "Echo", "x", kLaunchDeadline)
                  .value_or("error"),
              absl::StrCat(waiter, " got x"));
  }
  child->Signal(SIGINT);
  EXPECT_EQ(ExitCodeOf(child->WaitForExit(kLaunchDeadline)), 0) << child->output();
}

TEST_F(SlurmClusterTest, CtrlCStopsEveryTaskCleanly) {
  auto child = Launch("wait", {absl::StrCat("--hosts=", Machines())});
  AwaitReady(*child, Waiters());
  child->Signal(SIGINT);
  EXPECT_EQ(ExitCodeOf(child->WaitForExit(kLaunchDeadline)), 0) << child->output();
  EXPECT_EQ(HostsOf("stopped", child->output()).size(), static_cast<size_t>(Machines()))
      << child->output();
}

TEST_F(SlurmClusterTest, StragglerIsKilledAndNamed) {
  auto child = Launch("straggler", {"--lp_termination_notice_secs=1"});
  ASSERT_EQ(ExitCodeOf(child->WaitForExit(kLaunchDeadline)), 3) << child->output();
  EXPECT_THAT(child->output(), AllOf(HasSubstr("did not stop within 1s"),
                                     HasSubstr("nodes straggler/0)"),
                                     Not(HasSubstr("waiter/0)"))));
}

TEST_F(SlurmClusterTest, FailingTaskNamesItselfAndStopsTheRest) {
  auto child = Launch("fail", {absl::StrCat("--hosts=", Machines())});
  ASSERT_EQ(ExitCodeOf(child->WaitForExit(kLaunchDeadline)), 1) << child->output();
  EXPECT_THAT(child->output(),
              AllOf(HasSubstr("node failer/0 failed on host "),
                    HasSubstr("boom from the failing node"),
                    // its own last output, picked out of the group's srun output
                    HasSubstr("last output of failer/0:\n  the failing node is about to throw")));
  EXPECT_EQ(HostsOf("stopped", child->output()).size(), static_cast<size_t>(Machines()))
      << child->output();
}

// The launcher's status page under slurm: every node of a program spread over the
// cluster running, with its host, pid and address; then a failed node's message, the
// others' ends and the stop's reason, all through /api/nodes and /api/program.
TEST_F(SlurmClusterTest, TheStatusPageFollowsEveryNodeFromRunningToItsEnd) {
  const std::string trigger =
      absl::StrCat(BuildDir(), "/tests/slurm/status_trigger_", marker_);
  std::filesystem::remove(trigger);
  auto child = Launch("status", {absl::StrCat("--hosts=", Machines()), "--trigger=" + trigger});
  const std::string url = child->WaitForMatch("status url (http://\\S+/)", kLaunchDeadline);
  ASSERT_FALSE(url.empty()) << child->output();
  AwaitReady(*child, {"failer/0"});  // every waiter answered it

  nlohmann::json running;
  auto all_running = [&] {
    absl::StatusOr<std::string> body = internal::FetchFromStatusServer(url, "/api/nodes");
    if (!body.ok()) return false;
    running = nlohmann::json::parse(*body);
    for (const auto& node : running["nodes"]) {
      if (node["state"] != "running" || !node["host"].is_string()) return false;
    }
    return true;
  };
  ASSERT_TRUE(Eventually(all_running)) << running.dump(2);
  std::set<std::string> hosts;
  for (const auto& node : running["nodes"]) {
    hosts.insert(node["host"].get<std::string>());
    EXPECT_TRUE(node["pid"].is_number()) << node.dump();
    if (absl::StartsWith(node["id"].get<std::string>(), "waiter/")) {
      EXPECT_TRUE(node["address"].is_string()) << node.dump();
    }
  }
  EXPECT_EQ(running["nodes"].size(), static_cast<size_t>(Machines() + 1));
  EXPECT_EQ(hosts.size(), static_cast<size_t>(Machines())) << running.dump(2);

  std::ofstream(trigger) << "fail now\n";
  ASSERT_TRUE(child->WaitForOutput("program ended: ", kLaunchDeadline)) << child->output();
  absl::StatusOr<std::string> nodes = internal::FetchFromStatusServer(url, "/api/nodes");
  absl::StatusOr<std::string> program = internal::FetchFromStatusServer(url, "/api/program");
  std::filesystem::remove(trigger);
  ASSERT_TRUE(nodes.ok() && program.ok()) << nodes.status() << program.status();
  const nlohmann::json ended = nlohmann::json::parse(*nodes);
  for (const auto& node : ended["nodes"]) {
    if (node["id"] == "failer/0") {
      EXPECT_EQ(node["state"], "failed") << node.dump();
      EXPECT_THAT(node["ended_how"].dump(), HasSubstr("boom from the status test"));
    } else {
      EXPECT_EQ(node["state"], "exited") << node.dump();
    }
  }
  const nlohmann::json program_json = nlohmann::json::parse(*program);
  EXPECT_EQ(program_json["launch_type"], "slurm");
  EXPECT_EQ(program_json["ended"], true);
  EXPECT_THAT(program_json["stop_reason"].dump(), HasSubstr("failer/0 failed"));
}

// The termination promise in the RL shape (tests/termination/rl_child.cc): four actors,
// spread over the cluster's machines, calling a learner in a loop with no try/catch.
class SlurmTerminationTest : public SlurmClusterTest {
 protected:
  std::unique_ptr<ChildProcess> LaunchRl(const std::string& scenario,
                                         const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {
        BuildDir() + "/tests/termination/rl_child", "--scenario=" + scenario,
        "--lp_launch_type=slurm", absl::StrCat("--actor_hosts=", Machines()),
        // A hang shows as a hang, not as a straggler killed on time.
        "--lp_termination_notice_secs=600", absl::StrCat("--marker=", marker_)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return std::make_unique<ChildProcess>(std::move(argv));
  }
};

TEST_F(SlurmTerminationTest, LearnerThrowingWhileActorsCallIsNamedAndNoActorIs) {
  for (int run = 0; run < 20; ++run) {
    auto child = LaunchRl("throw");
    ASSERT_EQ(ExitCodeOf(child->WaitForExit(kLaunchDeadline)), 1) << "run " << run << ":\n"
                                                                   << child->output();
    ASSERT_THAT(child->output(), HasSubstr("learner diverged at step")) << "run " << run;
    ASSERT_THAT(child->output(), HasSubstr("node learner/0 failed on host ")) << "run " << run;
    ASSERT_THAT(child->output(), Not(HasSubstr("node actor/"))) << "run " << run;
  }
}

TEST_F(SlurmTerminationTest, ActorsStopCleanlyWhenTheLearnerStopsTheProgram) {
  for (int run = 0; run < 20; ++run) {
    auto child = LaunchRl("stop");
    ASSERT_EQ(ExitCodeOf(child->WaitForExit(kLaunchDeadline)), 0) << "run " << run << ":\n"
                                                                   << child->output();
    ASSERT_THAT(child->output(), Not(HasSubstr("failed"))) << "run " << run;
  }
}

// An OnReady callback of actor/0 blocks until the stop, holding its worker's reply queue,
// through which the worker's stop notice is read too: the stop watch polls past it, and
// the program still stops cleanly across the machines.
TEST_F(SlurmTerminationTest, ActorsChainingCallsStopCleanlyThoughACallbackBlocksUntilTheStop) {
  for (int run = 0; run < 3; ++run) {
    auto child = LaunchRl("blocked_callback");
    ASSERT_EQ(ExitCodeOf(child->WaitForExit(kLaunchDeadline)), 0) << "run " << run << ":\n"
                                                                   << child->output();
    ASSERT_THAT(child->output(), HasSubstr("actor/0: the blocked callback saw the stop"))
        << "run " << run;
    ASSERT_THAT(child->output(), Not(HasSubstr("failed"))) << "run " << run;
  }
}

// Mutual TLS across the cluster (--lp_tls_*): one certificate for every host, checked
// under one name (--lp_tls_server_name), as a site without per-host certificates would
// set it up. The files are in the build tree, which every host sees at the same path.
class SlurmTlsTest : public SlurmTerminationTest {
 protected:
  void SetUp() override {
    SlurmTerminationTest::SetUp();
    dir_ = absl::StrCat(BuildDir(), "/tests/slurm/tls-", getpid());
    absl::StatusOr<TlsOptions> tls = lp::testing::MakeTestCertificates(dir_);
    ASSERT_TRUE(tls.ok()) << tls.status();
    tls_ = *tls;
    tls_.server_name = lp::testing::kTestServerName;
  }
  void TearDown() override {
    SlurmTerminationTest::TearDown();
    std::filesystem::remove_all(dir_);
  }

  std::string dir_;
  TlsOptions tls_;
};

TEST_F(SlurmTlsTest, ActorsOnEveryHostCallTheLearnerOverTlsAndStopCleanly) {
  for (int run = 0; run < 3; ++run) {
    auto child = LaunchRl("stop", lp::testing::TlsFlags(tls_));
    ASSERT_EQ(ExitCodeOf(child->WaitForExit(kLaunchDeadline)), 0) << "run " << run << ":\n"
                                                                   << child->output();
    // Only once the actors' inserts, over TLS, reached the count.
    ASSERT_THAT(child->output(), HasSubstr("learner: stopping the program")) << "run " << run;
    ASSERT_THAT(child->output(), Not(HasSubstr("failed"))) << "run " << run;
  }
}

// The servers on the compute hosts, bound to every interface, answer a client with the
// launch's files and secret, and nothing over plain TCP — the secret never crosses the
// cluster's network in clear.
TEST_F(SlurmTlsTest, NodeServersOnEveryHostSpeakOnlyTls) {
  const std::string secret = "slurm-tls-secret-0123456789abcdef";
  std::vector<std::string> flags = {absl::StrCat("--hosts=", Machines())};
  for (const std::string& flag : lp::testing::TlsFlags(tls_)) flags.push_back(flag);
  auto child = Launch("secret", flags, {absl::StrCat("LP_COURIER_SECRET=", secret)});
  absl::StatusOr<std::shared_ptr<const rpc::TransportSecurity>> tls =
      rpc::LoadTransportSecurity(tls_);
  ASSERT_TRUE(tls.ok()) << tls.status();
  for (const std::string& waiter : Waiters()) {
    const std::string address = PrintedAddress(*child, waiter);
    ASSERT_FALSE(address.empty()) << "no address of " << waiter << ":\n" << child->output();
    EXPECT_EQ(lp::testing::CallFromOutside(address, secret, "Echo", "x", kLaunchDeadline, *tls)
                  .value_or("error"),
              absl::StrCat(waiter, " got x"));
    const absl::StatusOr<std::string> plain =
        lp::testing::CallFromOutside(address, secret, "Echo", "x", absl::Seconds(3));
    EXPECT_FALSE(plain.ok()) << waiter << " answered a plain-TCP call";
  }
  child->Signal(SIGINT);
  EXPECT_EQ(ExitCodeOf(child->WaitForExit(kLaunchDeadline)), 0) << child->output();
}

TEST_F(SlurmClusterTest, LauncherKilledLeavesNoTaskAndNoJob) {
  auto child = Launch("wait", {absl::StrCat("--hosts=", Machines())});
  AwaitReady(*child, Waiters());
  ASSERT_FALSE(QueuedJobs("slurm_child").empty());
  child->Signal(SIGKILL);
  EXPECT_EQ(ExitCodeOf(child->WaitForExit(kGenerous)), -SIGKILL);
  // TearDown checks that the queue and the hosts are empty of this launch.
}

TEST_F(SlurmClusterTest, MissingPartitionIsAClearError) {
  auto child = Launch("wait", {"--partition=no_such_partition"});
  ASSERT_EQ(ExitCodeOf(child->WaitForExit(kLaunchDeadline)), 2) << child->output();
  EXPECT_THAT(child->output(),
              AllOf(HasSubstr("partition 'no_such_partition'"),
                    HasSubstr("its partitions are: debug")));
  EXPECT_THAT(child->output(), Not(HasSubstr("ready ")));
}

TEST_F(SlurmClusterTest, AJobSlurmRefusesIsAClearErrorQuotingSlurm) {
  // More memory than any node has: srun fails at once, before any task exists.
  auto child = Launch("stop", {"--srun_arg=--mem=999999G"});
  ASSERT_EQ(ExitCodeOf(child->WaitForExit(kLaunchDeadline)), 2) << child->output();
  EXPECT_THAT(child->output(),
              AllOf(HasSubstr("the Slurm job of group waiter did not start its tasks: srun "),
                    HasSubstr("srun: error: ")));
}

TEST_F(SlurmClusterTest, JobPendingTooLongFailsWithSlurmsReason) {
  // Another job takes every CPU of every node, so ours can only wait.
  const std::string blocker_name = absl::StrCat("blocker-", marker_);
  const std::string submitted =
      CommandOutput({"sbatch", "--parsable", absl::StrCat("--job-name=", blocker_name), "--exclusive",
           absl::StrCat("--nodes=", Machines()), "--wrap=sleep 600"});
  std::string blocker = std::string(absl::StripAsciiWhitespace(submitted));
  ASSERT_TRUE(std::all_of(blocker.begin(), blocker.end(), ::isdigit) && !blocker.empty())
      << submitted;
  ASSERT_TRUE(Eventually([&] {
    return absl::StrContains(CommandOutput({"squeue", "--noheader", "--format=%T", "-j", blocker}),
                             "RUNNING");
  })) << CommandOutput({"squeue"});

  auto child = Launch("wait", {"--lp_slurm_pending_timeout=2s"});
  const int code = ExitCodeOf(child->WaitForExit(kLaunchDeadline));
  CommandOutput({"scancel", blocker});
  ASSERT_EQ(code, 2) << child->output();
  EXPECT_THAT(child->output(), AllOf(HasSubstr("is pending: Resources"),
                                     HasSubstr("stayed pending for"),
                                     HasSubstr("Slurm's reason: Resources")));
}

TEST_F(SlurmClusterTest, DryRunPrintsTheCommandsAndRunsNothing) {
  auto child = Launch("resources", {"--lp_slurm_dry_run"});
  ASSERT_EQ(ExitCodeOf(child->WaitForExit(kLaunchDeadline)), 0) << child->output();
  const std::string& output = child->output();
  EXPECT_THAT(output, AllOf(HasSubstr("# group worker: 2 nodes"),
                            HasSubstr("LP_NODE_GROUP=worker"),
                            HasSubstr("LP_COORDINATOR_TOKEN='<secret>'"),
                            HasSubstr("LP_COURIER_SECRET='<courier-secret>'"),
                            HasSubstr("LP_LAUNCH_ID='<launch-id>'"),
                            HasSubstr("LP_LAUNCH_START_US='<launch-start-us>'"),
                            HasSubstr("LP_TEST_ENV='hello from slurm_resources'"),
                            HasSubstr("srun --job-name=lp.slurm_child.worker."),
                            HasSubstr("--ntasks=2"), HasSubstr("--cpus-per-task=2"),
                            HasSubstr("--mem=300M"), HasSubstr(Child()),
                            HasSubstr("--role=configured")));
  EXPECT_THAT(output, AllOf(Not(HasSubstr("ready ")), Not(HasSubstr("--lp_slurm_dry_run"))));
}

// Last: the cut host comes back only after Slurm noticed it was gone.
TEST_F(SlurmClusterTest, CuttingAHostsLinkStopsTheProgramNamingItsNode) {
  if (ClusterHosts() < 2) GTEST_SKIP() << "needs a cluster of several hosts";
  auto child = Launch("wait", {absl::StrCat("--hosts=", Machines()),
                               "--lp_termination_notice_secs=2"});
  AwaitReady(*child, Waiters());
  const auto hosts = HostsOf("ready", child->output());
  std::string victim;
  for (const auto& [node, host] : hosts) {
    if (host == "n2") victim = node;
  }
  ASSERT_FALSE(victim.empty()) << child->output();
  // n2's end of the bridge, in the head namespace this test runs in.
  ASSERT_EQ(CommandOutput({"ip", "link", "set", "veth2", "down"}), "");
  const int code = ExitCodeOf(child->WaitForExit(kLaunchDeadline));
  ASSERT_EQ(CommandOutput({"ip", "link", "set", "veth2", "up"}), "");
  EXPECT_EQ(code, 1) << child->output();
  EXPECT_THAT(child->output(), AllOf(HasSubstr(absl::StrCat("node ", victim, " failed on host n2")),
                                     HasSubstr("lost contact with the launcher")));
  // The other hosts' tasks stopped cleanly.
  EXPECT_EQ(HostsOf("stopped", child->output()).size(), static_cast<size_t>(Machines() - 1))
      << child->output();
  // n2 back in service for whoever comes next (ReturnToService=2 resumes it once its
  // slurmd answers again).
  EXPECT_TRUE(Eventually(
      [] {
        const std::string state = CommandOutput({"sinfo", "--noheader", "--nodes=n2", "--format=%T"});
        if (absl::StrContains(state, "down") || absl::StrContains(state, "drain")) {
          CommandOutput({"scontrol", "update", "nodename=n2", "state=resume"});
        }
        return absl::StripAsciiWhitespace(state) == "idle";
      },
      absl::Seconds(180)))
      << CommandOutput({"sinfo", "-N", "-l"});
}

}  // namespace
}  // namespace lp
