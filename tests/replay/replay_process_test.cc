// The replay node in real programs under local_mp (replay_child.cc): calls waiting in the
// node when the program stops end with ProgramStoppedError and the program exits 0; a
// replay node inside a MultiProcessingColocation, killed, comes back with the data of its
// last checkpoint.

#include <signal.h>

#include <dirent.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/launch/launch_test_util.h"
#include "tests/support/child_process.h"
#include "tests/support/listening_ports.h"
#include "tests/support/temp_dir.h"

namespace lp {
namespace {

using ::lp::testing::BuildDir;
using ::lp::testing::ChildProcess;
using ::lp::testing::ExitCodeOf;
using ::lp::testing::kGenerous;
using ::lp::testing::ParentOf;
using ::lp::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

// A notice far longer than any deadline here: a node that hangs at the stop shows up as
// a test failure, never as a straggler killed on time.
constexpr char kLongNotice[] = "--lp_termination_notice_secs=600";

ChildProcess Start(std::vector<std::string> flags) {
  std::vector<std::string> argv = {BuildDir() + "/tests/replay/replay_child",
                                   "--lp_launch_type=local_mp", kLongNotice};
  argv.insert(argv.end(), flags.begin(), flags.end());
  return ChildProcess(argv);
}

TEST(ReplayProcessTest, CallsWaitingInTheNodeEndAtTheStopAndTheProgramExitsZero) {
  for (int run = 0; run < 3; ++run) {
    ChildProcess child = Start({"--scenario=blocked"});
    ASSERT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << "run " << run << ":\n"
                                                           << child.output();
    EXPECT_THAT(child.output(), HasSubstr("stopper: both wait in the node"));
    EXPECT_THAT(child.output(), HasSubstr("sample: ProgramStoppedError"));
    EXPECT_THAT(child.output(), HasSubstr("insert: ProgramStoppedError"));
    EXPECT_THAT(child.output(), Not(HasSubstr("failed"))) << child.output();
  }
}

// Every process below `root`, from /proc.
std::vector<pid_t> Descendants(pid_t root) {
  std::vector<pid_t> all;
  if (DIR* proc = opendir("/proc"); proc != nullptr) {
    while (dirent* entry = readdir(proc)) {
      int pid = 0;
      if (absl::SimpleAtoi(entry->d_name, &pid)) all.push_back(pid);
    }
    closedir(proc);
  }
  std::vector<pid_t> found;
  for (pid_t pid : all) {
    for (pid_t up = pid; up > 1; up = ParentOf(up)) {
      if (ParentOf(up) == root) {
        found.push_back(pid);
        break;
      }
    }
  }
  return found;
}

TEST(ReplayProcessTest, ReplayNodeKilledInAColocationComesBackWithItsCheckpoint) {
  TempDir dir("replay-colocation");
  ASSERT_FALSE(dir.path().empty());
  ChildProcess child = Start({"--scenario=colocation", "--dir=" + dir.path()});
  const std::string port_text = child.WaitForMatch("replay at \\S+:([0-9]+)\n", kGenerous);
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(port_text, &port)) << child.output();
  ASSERT_TRUE(child.WaitForOutput("checkpointed", kGenerous)) << child.output();

  // The replay node's process: the one that listens on its port.
  pid_t replay = -1;
  for (pid_t pid : Descendants(child.pid())) {
    if (lp::testing::ListeningTcpPorts(pid).contains(port)) replay = pid;
  }
  ASSERT_GT(replay, 0) << "no process of the program listens on " << port;
  ASSERT_EQ(kill(replay, SIGKILL), 0);
  ASSERT_TRUE(lp::testing::WaitUntilGone({replay}, kGenerous).empty());
  std::ofstream(dir.path() + "/killed") << "yes\n";

  ASSERT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("starting it again")) << child.output();
  // Without the restore, the restarted node would hold nothing.
  EXPECT_THAT(child.output(), HasSubstr("restored size 10 keys ")) << child.output();
}

}  // namespace
}  // namespace lp
