// The termination promise in the shape RL programs have (rl_child.cc): actors calling a
// learner or a replay node in a loop, under local_mt and local_mp. A node's failure is
// named, not the callers it breaks; a clean stop exits 0 however many calls were in
// flight; a call made after the stop fails at once; a server killed from outside is named
// and no caller waits for it; calls to a node that ended while the program goes on fail
// fast.
//
// Each scenario runs many times (LP_TERMINATION_RUNS overrides the counts, e.g. for a
// longer soak by hand: scripts/stress_termination.sh), because what breaks here are races.

#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/launch/launch_test_util.h"
#include "tests/support/child_process.h"

namespace lp {
namespace {

using ::lp::testing::BuildDir;
using ::lp::testing::ChildProcess;
using ::lp::testing::ExitCodeOf;
using ::lp::testing::kGenerous;
using ::lp::testing::NumberAfter;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Child() { return BuildDir() + "/tests/termination/rl_child"; }

// How many times a scenario runs: `count`, unless LP_TERMINATION_RUNS says otherwise. A
// sanitizer build runs a tenth (at least one): an instrumented launch takes ten times
// as long, and the full counts are the plain build's (CI's) to run.
int Runs(int count) {
  const char* runs = std::getenv("LP_TERMINATION_RUNS");
  int value = 0;
  if (runs != nullptr && absl::SimpleAtoi(runs, &value) && value > 0) return value;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return std::max(1, count / 10);
#else
  return count;
#endif
}

// A notice far longer than any test deadline: a node that hangs shows up as a test
// failure (no exit), never as a straggler killed on time.
constexpr char kLongNotice[] = "--lp_termination_notice_secs=600";

// What a failed run shows: the child's output, and the stacks of its threads when it still
// runs (a hang, so rare that it must be readable from the one log that shows it).
std::string Report(int run, const ChildProcess& child) {
  return absl::StrCat("run ", run, ":\n", child.output(), child.Stacks());
}

class TerminationTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::vector<std::string> Argv(const std::string& scenario,
                                std::vector<std::string> extra = {}) const {
    std::vector<std::string> argv = {Child(), "--scenario=" + scenario,
                                     "--lp_launch_type=" + GetParam(), kLongNotice};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }
};

TEST_P(TerminationTest, LearnerThrowingWhileActorsCallIsNamedAndNoActorIs) {
  for (int run = 0; run < Runs(20); ++run) {
    ChildProcess child(Argv("throw"));
    const int code = ExitCodeOf(child.WaitForExit(kGenerous));
    ASSERT_EQ(code, 1) << Report(run, child);
    ASSERT_THAT(child.output(), HasSubstr("node learner/0 failed: learner diverged at step"))
        << "run " << run;
    ASSERT_THAT(child.output(), Not(HasSubstr("node actor/"))) << "run " << run;
  }
}

TEST_P(TerminationTest, ActorsCallingReplayStopCleanlyWhenTheLearnerStopsTheProgram) {
  for (int run = 0; run < Runs(200); ++run) {
    ChildProcess child(Argv("stop"));
    const int code = ExitCodeOf(child.WaitForExit(kGenerous));
    ASSERT_EQ(code, 0) << Report(run, child);
    ASSERT_THAT(child.output(), HasSubstr("learner: stopping the program"));
    ASSERT_THAT(child.output(), Not(HasSubstr("failed"))) << "run " << run;
  }
}

TEST_P(TerminationTest, CallAfterStopFailsAtOnceWithProgramStoppedError) {
  ChildProcess child(Argv("call_after_stop"));
  ASSERT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << Report(0, child);
  for (const std::string label : {"call to learner/0", "first call to other/0"}) {
    const std::string prefix = label + ": ProgramStoppedError after ";
    const int ms = NumberAfter(child.output(), prefix);
    ASSERT_GE(ms, 0) << child.output();
    // "At once": no wait for a server, a deadline or the notice. The bound is generous so
    // that a loaded machine passes; bench/termination measures the real figure.
    EXPECT_LT(ms, 5000) << label;
    EXPECT_THAT(child.output(),
                HasSubstr(label + ": ProgramStoppedError after " + std::to_string(ms) +
                          " ms: Courier call 'Step' failed: CANCELLED: program "
                          "'rl_call_after_stop' is stopping"));
  }
  EXPECT_THAT(child.output(), Not(HasSubstr("failed:  "))) << child.output();
}

TEST_P(TerminationTest, CallsToANodeThatEndedFailFastWhileTheProgramGoesOn) {
  for (int run = 0; run < Runs(5); ++run) {
    ChildProcess child(Argv("learner_ends"));
    // Before, the actors waited forever for the learner's server to come back.
    ASSERT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 1) << Report(run, child);
    ASSERT_THAT(child.output(), HasSubstr("learner: returning"));
    // Nothing failed on its own: an actor whose call failed is named.
    ASSERT_THAT(child.output(), HasSubstr("failed: node actor/")) << child.output();
    ASSERT_THAT(child.output(), HasSubstr("Courier call 'Step' failed: ")) << child.output();
  }
}

// An OnReady callback that blocks, against its rule, until the stop: in a worker it holds
// the queue that the stop notice is read through too (rpc::ClientQueue), and the worker's
// stop watch polls past it; under local_mt it holds one of gRPC's callback threads. Either
// way the program stops cleanly, and the other chains of calls go on meanwhile (the
// learner's calls are counted across actors).
TEST_P(TerminationTest, ActorsChainingCallsStopCleanlyThoughACallbackBlocksUntilTheStop) {
  for (int run = 0; run < Runs(5); ++run) {
    ChildProcess child(Argv("blocked_callback"));
    ASSERT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << Report(run, child);
    ASSERT_THAT(child.output(), HasSubstr("learner: stopping the program")) << "run " << run;
    ASSERT_THAT(child.output(), HasSubstr("actor/0: the blocked callback saw the stop"))
        << "run " << run << ":\n" << child.output();
    ASSERT_THAT(child.output(), Not(HasSubstr("failed"))) << "run " << run;
  }
}

INSTANTIATE_TEST_SUITE_P(LaunchTypes, TerminationTest, ::testing::Values("local_mt", "local_mp"),
                         [](const auto& info) { return info.param; });

// Only processes can be killed from outside.
TEST(TerminationMpTest, ServerKilledUnderLoadIsNamedAndNoCallerWaitsForIt) {
  for (int run = 0; run < Runs(5); ++run) {
    ChildProcess child({Child(), "--scenario=kill_server", "--lp_launch_type=local_mp",
                        kLongNotice});
    ASSERT_TRUE(child.WaitForOutput("learner pid ", kGenerous)) << child.output();
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE(child.WaitForOutput(absl::StrCat("actor/", i, " running"), kGenerous))
          << child.output();
    }
    const pid_t learner = NumberAfter(child.output(), "learner pid ");
    ASSERT_GT(learner, 0) << child.output();
    ASSERT_EQ(kill(learner, SIGKILL), 0);
    ASSERT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 1) << Report(run, child);
    ASSERT_THAT(child.output(),
                HasSubstr("node learner/0 failed: killed by signal 9 (SIGKILL)"))
        << "run " << run;
    ASSERT_THAT(child.output(), Not(HasSubstr("node actor/"))) << "run " << run;
  }
}

}  // namespace
}  // namespace lp
