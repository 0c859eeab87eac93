// Node arguments computed in main() reach every node as the launcher computed them
// (issue 16): tests/launch/lp_args_child run as a real program, its output read. (The
// same under Slurm: tests/slurm/slurm_cluster_test.cc.)

#include <string>

#include "gtest/gtest.h"
#include "lp/launch.h"
#include "tests/launch/launch_test_util.h"
#include "tests/support/arguments_checks.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace lp {
namespace {

using ::lp::testing::BuildDir;
using ::lp::testing::ChildProcess;
using ::lp::testing::ExitCodeOf;
using ::lp::testing::kGenerous;

std::string Child() { return BuildDir() + "/tests/launch/lp_args_child"; }

TEST(ArgumentsTest, ValuesComputedInMainReachEveryNodeAsTheLauncherComputedThem) {
  lp::testing::TempDir scratch("lp-args-test");
  ASSERT_FALSE(scratch.path().empty());
  ChildProcess child({Child(), "--mode=travel", "--lp_launch_type=local_mp",
                      "--scratch=" + scratch.path()});
  ASSERT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  lp_test_arguments::ExpectTravelled(child.output());
}

TEST(ArgumentsTest, ANonSerializableArgumentThatDiffersFailsTheLaunchBeforeAnyNodeRuns) {
  ChildProcess child({Child(), "--mode=differs", "--lp_launch_type=local_mp"});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitNodeFailed) << child.output();
  lp_test_arguments::ExpectDiffersExplained(child.output());
}

TEST(ArgumentsTest, LaunchIdIsOnePerLaunchUnderLocalMp) {
  ChildProcess child({Child(), "--mode=sweep", "--lp_launch_type=local_mp"});
  ASSERT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  lp_test_arguments::ExpectOneIdPerLaunch(child.output());
}

TEST(ArgumentsTest, LaunchIdIsOnePerLaunchUnderLocalMt) {
  ChildProcess child({Child(), "--mode=sweep", "--lp_launch_type=local_mt"});
  ASSERT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  lp_test_arguments::ExpectOneIdPerLaunch(child.output());
}

}  // namespace
}  // namespace lp
