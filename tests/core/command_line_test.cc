// A command line that cannot be parsed: the program does not start, exits with
// kExitLaunchError (2, "could not be launched", not 1, "a node failed"), and says which
// flag was wrong and what to do.

#include <sys/wait.h>

#include <optional>
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
constexpr char kWhatToDo[] =
    "lp: the command line could not be parsed (see the ERROR lines above): correct or remove "
    "the flags they name; --helpfull lists every flag of this program";

// A program (lp::ParseFlags) and a test binary (lp_gtest_main).
std::string Program() { return BuildDir() + "/tests/core/lp_test_child"; }
std::string TestBinary() { return BuildDir() + "/tests/core/stop_test"; }

int ExitCodeOf(const std::optional<int>& status) {
  if (!status.has_value()) return -1000;
  if (WIFSIGNALED(*status)) return -WTERMSIG(*status);
  return WEXITSTATUS(*status);
}

TEST(CommandLineTest, UnknownFlagIsALaunchErrorNamingTheFlag) {
  ChildProcess child({Program(), "--lp_no_such_flag=1"});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitLaunchError) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("Unknown command line flag 'lp_no_such_flag'"));
  EXPECT_THAT(child.output(), HasSubstr(kWhatToDo));
  EXPECT_THAT(child.output(), Not(HasSubstr("ready")));
}

TEST(CommandLineTest, BadLaunchTypeIsALaunchErrorListingTheValidOnes) {
  ChildProcess child({Program(), "--lp_launch_type=local_xyz"});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitLaunchError) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("Illegal value 'local_xyz' specified for flag "
                                        "'lp_launch_type'; unknown launch type 'local_xyz'; "
                                        "valid launch types: local_mt, local_mp, test_mt, "
                                        "test_mp, slurm"));
  EXPECT_THAT(child.output(), HasSubstr(kWhatToDo));
}

TEST(CommandLineTest, EveryBadFlagIsNamedNotJustTheFirst) {
  ChildProcess child({Program(), "--lp_termination_notice_secs=soon", "--lp_no_such_flag"});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitLaunchError) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("'soon' specified for flag 'lp_termination_notice_secs'"));
  EXPECT_THAT(child.output(), HasSubstr("Unknown command line flag 'lp_no_such_flag'"));
}

TEST(CommandLineTest, TestBinaryWithAnUnknownFlagIsALaunchError) {
  ChildProcess child({TestBinary(), "--lp_no_such_flag"});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitLaunchError) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("Unknown command line flag 'lp_no_such_flag'"));
  EXPECT_THAT(child.output(), HasSubstr(kWhatToDo));
}

// --helpfull ends the program as Abseil makes it: it is not an error of the command line.
TEST(CommandLineTest, HelpIsNotALaunchError) {
  ChildProcess child({Program(), "--helpfull"});
  const int code = ExitCodeOf(child.WaitForExit(kGenerous));
  EXPECT_NE(code, kExitLaunchError) << child.output();
  EXPECT_GE(code, 0) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("--lp_launch_type"));
  EXPECT_THAT(child.output(), Not(HasSubstr(kWhatToDo)));
}

// --help shows a usage line and the flags a user of this program sets: its own (--mode,
// defined in lp_test_child.cc) and the lp_* ones, not Abseil's.
TEST(CommandLineTest, HelpListsTheProgramsFlagsAndTheLpFlagsUnderAUsageLine) {
  ChildProcess child({Program(), "--help"});
  const int code = ExitCodeOf(child.WaitForExit(kGenerous));
  EXPECT_NE(code, kExitLaunchError) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("Usage: lp_test_child [--flag=value]..."));
  EXPECT_THAT(child.output(), HasSubstr("--mode"));
  EXPECT_THAT(child.output(), HasSubstr("--lp_launch_type"));
  EXPECT_THAT(child.output(), HasSubstr("--lp_termination_notice_secs"));
  EXPECT_THAT(child.output(), Not(HasSubstr("--flagfile")));
  EXPECT_THAT(child.output(), Not(HasSubstr("SetProgramUsageMessage() never called")));
  EXPECT_THAT(child.output(), Not(HasSubstr("No flags matched")));
}

TEST(CommandLineTest, AGoodCommandLineStillRuns) {
  ChildProcess child({Program(), "--mode=throw", "--lp_termination_notice_secs=30"});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitNodeFailed) << child.output();
  EXPECT_THAT(child.output(), Not(HasSubstr(kWhatToDo)));
}

}  // namespace
}  // namespace lp
