// Colocation under local_mp, on a real program (lp_colocation_child): inner nodes of both
// kinds reachable from another process, subprocesses per inner node, restarts that keep
// handles valid, giving up, stop reaching subprocesses, and no orphans.

#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"

namespace lp {
namespace {

using ::lp::testing::BuildDir;
using ::lp::testing::ChildProcess;
using ::testing::HasSubstr;

constexpr absl::Duration kGenerous = absl::Seconds(60);

ChildProcess Start(std::vector<std::string> flags) {
  std::vector<std::string> argv = {BuildDir() + "/tests/colocation/lp_colocation_child",
                                   "--lp_launch_type=local_mp"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  return ChildProcess(argv);
}

int ExitCode(const std::optional<int>& status) {
  return status.has_value() && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

// The "pid P parent Q" pairs the Echo nodes reported.
std::vector<std::pair<int, int>> ServingPids(const std::string& output) {
  std::vector<std::pair<int, int>> pids;
  std::regex pattern("pid ([0-9]+) parent ([0-9]+)");
  for (auto it = std::sregex_iterator(output.begin(), output.end(), pattern);
       it != std::sregex_iterator(); ++it) {
    pids.emplace_back(std::stoi((*it)[1]), std::stoi((*it)[2]));
  }
  return pids;
}

bool Alive(int pid) { return kill(pid, 0) == 0; }

bool GoneWithin(const std::vector<int>& pids, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    bool any = false;
    for (int pid : pids) any = any || Alive(pid);
    if (!any) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return false;
}

TEST(ColocationProcessTest, ThreadColocationServesFromOneProcess) {
  ChildProcess child = Start({"--kind=threads", "--mode=call"});
  EXPECT_EQ(ExitCode(child.WaitForExit(kGenerous)), 0) << child.output();
  std::vector<std::pair<int, int>> pids = ServingPids(child.output());
  ASSERT_EQ(pids.size(), 2u) << child.output();
  EXPECT_EQ(pids[0].first, pids[1].first) << "both inner nodes are threads of one worker";
  EXPECT_THAT(child.output(), HasSubstr("pack/0/0 pid"));
  EXPECT_THAT(child.output(), HasSubstr("pack/0/1 pid"));
}

TEST(ColocationProcessTest, ProcessColocationServesFromSubprocesses) {
  ChildProcess child = Start({"--kind=processes", "--mode=call"});
  EXPECT_EQ(ExitCode(child.WaitForExit(kGenerous)), 0) << child.output();
  std::vector<std::pair<int, int>> pids = ServingPids(child.output());
  ASSERT_EQ(pids.size(), 2u) << child.output();
  EXPECT_NE(pids[0].first, pids[1].first) << "each inner node its own process";
  EXPECT_EQ(pids[0].second, pids[1].second) << "children of the same colocation worker";
}

TEST(ColocationProcessTest, RestartedInnerNodeIsReachableThroughTheSameHandle) {
  ChildProcess child = Start({"--kind=processes", "--mode=restart", "--retries=1"});
  EXPECT_EQ(ExitCode(child.WaitForExit(kGenerous)), 0) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("inner node pack/0/0 exited with code 3; starting it again"));
  std::vector<std::pair<int, int>> pids = ServingPids(child.output());
  ASSERT_EQ(pids.size(), 2u) << child.output();
  EXPECT_NE(pids[0].first, pids[1].first) << "served by the restarted process";
}

TEST(ColocationProcessTest, GivesUpAfterTheRetriesNamingTheInnerNode) {
  ChildProcess child = Start({"--kind=processes", "--mode=hopeless", "--retries=2"});
  EXPECT_EQ(ExitCode(child.WaitForExit(kGenerous)), 1) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("starting it again (restart 2)"));
  EXPECT_THAT(child.output(), HasSubstr("node pack/0 failed: inner node pack/0/0 failed"));
}

std::vector<int> ReadyInnerPids(ChildProcess& child) {
  EXPECT_TRUE(child.WaitForOutput("inner pack/0/0 pid", kGenerous)) << child.output();
  EXPECT_TRUE(child.WaitForOutput("inner pack/0/1 pid", kGenerous)) << child.output();
  EXPECT_TRUE(child.WaitForOutput(" ready", kGenerous));
  std::vector<int> pids;
  std::regex pattern("inner pack/0/[01] pid ([0-9]+) ready");
  const std::string output = child.output();
  for (auto it = std::sregex_iterator(output.begin(), output.end(), pattern);
       it != std::sregex_iterator(); ++it) {
    pids.push_back(std::stoi((*it)[1]));
  }
  return pids;
}

TEST(ColocationProcessTest, StopReachesEverySubprocess) {
  ChildProcess child = Start({"--kind=processes", "--mode=wait"});
  std::vector<int> pids = ReadyInnerPids(child);
  ASSERT_EQ(pids.size(), 2u) << child.output();
  child.Signal(SIGINT);
  EXPECT_EQ(ExitCode(child.WaitForExit(kGenerous)), 0) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("clean exit: pack/0/0"));
  EXPECT_THAT(child.output(), HasSubstr("clean exit: pack/0/1"));
  EXPECT_TRUE(GoneWithin(pids, kGenerous));
}

TEST(ColocationProcessTest, KillingTheColocationLeavesNoSubprocess) {
  ChildProcess child = Start({"--kind=processes", "--mode=wait"});
  std::vector<int> pids = ReadyInnerPids(child);
  ASSERT_EQ(pids.size(), 2u) << child.output();
  // The colocation worker is the parent of the inner processes.
  std::string stat;
  {
    std::ifstream file("/proc/" + std::to_string(pids[0]) + "/stat");
    std::getline(file, stat);
  }
  std::vector<std::string> fields = absl::StrSplit(stat.substr(stat.rfind(')') + 2), ' ');
  int colocation_pid = 0;
  ASSERT_TRUE(absl::SimpleAtoi(fields.at(1), &colocation_pid)) << stat;
  kill(colocation_pid, SIGKILL);
  EXPECT_TRUE(GoneWithin(pids, kGenerous)) << "inner processes outlived their colocation";
  // The launcher reports the colocation's death and ends.
  EXPECT_EQ(ExitCode(child.WaitForExit(kGenerous)), 1) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("node pack/0 failed"));
}

}  // namespace
}  // namespace lp
