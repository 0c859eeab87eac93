// What a user at a terminal sees: Ctrl+C, SIGTERM, a second Ctrl+C, the termination
// notice and a failing node, each checked on a real child process through its exit code
// and output.

#include <signal.h>
#include <sys/wait.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lp/launch.h"
#include "tests/support/child_process.h"

namespace lp {
namespace {

using ::lp::testing::BuildDir;
using ::lp::testing::ChildProcess;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::Duration kGenerous = absl::Seconds(60);

// ThreadSanitizer defers asynchronous signal handlers to points of its choosing; with the
// child's threads parked, a signal may be handled late or not at all (seen under load).
// These tests send signals to a child built with TSan, so they run in the plain and ASan
// builds only; the TSan build still checks the same code paths through in-process stops.
#if defined(__SANITIZE_THREAD__)
#define LP_SKIP_SIGNALS_UNDER_TSAN() GTEST_SKIP() << "signal delivery under TSan is deferred"
#else
#define LP_SKIP_SIGNALS_UNDER_TSAN() (void)0
#endif

std::string Child() { return BuildDir() + "/tests/core/lp_test_child"; }

int ExitCodeOf(const std::optional<int>& status) {
  if (!status.has_value()) return -1000;
  if (WIFSIGNALED(*status)) return -WTERMSIG(*status);
  return WEXITSTATUS(*status);
}

TEST(ProcessSignalsTest, CtrlCStopsEveryNodeCleanly) {
  LP_SKIP_SIGNALS_UNDER_TSAN();
  ChildProcess child({Child(), "--mode=wait"});
  ASSERT_TRUE(child.WaitForOutput("ready", kGenerous)) << child.output();
  child.Signal(SIGINT);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("Ctrl+C received, stopping program 'test_child'"));
  EXPECT_THAT(child.output(), HasSubstr("clean exit: waiter/0"));
  EXPECT_THAT(child.output(), HasSubstr("clean exit: waiter/1"));
}

TEST(ProcessSignalsTest, SigtermStopsEveryNodeCleanly) {
  LP_SKIP_SIGNALS_UNDER_TSAN();
  ChildProcess child({Child(), "--mode=wait"});
  ASSERT_TRUE(child.WaitForOutput("ready", kGenerous)) << child.output();
  child.Signal(SIGTERM);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("SIGTERM received"));
  EXPECT_THAT(child.output(), HasSubstr("clean exit: waiter/0"));
  EXPECT_THAT(child.output(), HasSubstr("clean exit: waiter/1"));
}

TEST(ProcessSignalsTest, SecondCtrlCKillsAtOnce) {
  LP_SKIP_SIGNALS_UNDER_TSAN();
  // The straggler keeps the program alive after the first Ctrl+C; the notice never ends.
  ChildProcess child({Child(), "--mode=straggler", "--lp_termination_notice_secs=-1"});
  ASSERT_TRUE(child.WaitForOutput("ready", kGenerous)) << child.output();
  child.Signal(SIGINT);
  ASSERT_TRUE(child.WaitForOutput("clean exit: waiter/1", kGenerous)) << child.output();
  ASSERT_TRUE(child.WaitForOutput("clean exit: waiter/0", kGenerous)) << child.output();
  child.Signal(SIGINT);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitSecondInterrupt) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("second Ctrl+C: killing the program now"));
}

TEST(ProcessSignalsTest, StragglerPastTheNoticeIsNamedAndTheProcessExits) {
  LP_SKIP_SIGNALS_UNDER_TSAN();
  // A notice long enough for the waiters to return on a loaded machine.
  ChildProcess child({Child(), "--mode=straggler", "--lp_termination_notice_secs=3"});
  ASSERT_TRUE(child.WaitForOutput("ready", kGenerous)) << child.output();
  child.Signal(SIGTERM);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitStragglers) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("groups [straggler] did not stop within 3s"));
  EXPECT_THAT(child.output(), HasSubstr("still running: straggler/0"));
  EXPECT_THAT(child.output(), Not(HasSubstr("waiter/0)")));
}

TEST(ProcessSignalsTest, ZeroNoticeKillsAtOnce) {
  LP_SKIP_SIGNALS_UNDER_TSAN();
  ChildProcess child({Child(), "--mode=straggler", "--lp_termination_notice_secs=0"});
  ASSERT_TRUE(child.WaitForOutput("ready", kGenerous)) << child.output();
  child.Signal(SIGTERM);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitStragglers) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("straggler"));
}

TEST(ProcessSignalsTest, FailingNodeExitsNonZeroNamingIt) {
  ChildProcess child({Child(), "--mode=throw"});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitNodeFailed) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("lp: program 'test_child' failed: node thrower/0 "
                                        "failed: the answer was not 42"));
  // The failure stopped the other nodes, which ended cleanly.
  EXPECT_THAT(child.output(), HasSubstr("clean exit: waiter/0"));
}

TEST(ProcessSignalsTest, UnknownLaunchTypeFlagIsRejectedWithTheValidOnes) {
  ChildProcess child({Child(), "--lp_launch_type=local_xyz"});
  EXPECT_NE(ExitCodeOf(child.WaitForExit(kGenerous)), 0);
  EXPECT_THAT(child.output(), HasSubstr("unknown launch type 'local_xyz'; valid launch "
                                        "types: local_mt, local_mp, test_mt, test_mp, slurm"));
}

}  // namespace
}  // namespace lp
