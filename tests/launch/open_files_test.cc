// The limit of open files and process launches: hundreds of nodes start from a shell with
// the usual soft limit of 1024 (the launcher raises it), and a hard limit too low for the
// workers fails the launch before any worker starts, saying which limit and what to do.
//
// These tests start hundreds of processes: CTest never runs them beside the other heavy
// tests (RESOURCE_LOCK heavy, see tests/CMakeLists.txt).

#include <sys/resource.h>

#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lp/launch.h"
#include "tests/launch/launch_test_util.h"
#include "tests/support/child_process.h"

namespace lp {
namespace {

using ::lp::testing::BuildDir;
using ::lp::testing::ChildProcess;
using ::lp::testing::ExitCodeOf;
using ::lp::testing::kGenerous;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Child() { return BuildDir() + "/tests/launch/lp_many_nodes_child"; }

rlim_t HardLimit() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_max;
}

// The child run by bash after `limits` (ulimit commands), with `args`.
std::vector<std::string> UnderUlimit(const std::string& limits, const std::string& args) {
  return {"/bin/bash", "-c", absl::StrCat(limits, " || exit 99; exec \"$0\" ", args), Child()};
}

TEST(OpenFilesTest, FiveHundredCourierNodesRunFromAShellWithUlimit1024) {
  // The launcher holds about 3 descriptors per worker, the caller one per server.
  if (HardLimit() < 2048) {
    GTEST_SKIP() << "the hard limit of open files, " << HardLimit()
                 << ", is too low for 500 nodes whatever the launcher does";
  }
  // 500 workers on two cores take a while (about 25 s on an idle one); the deadline is
  // for a loaded machine.
  constexpr absl::Duration kDeadline = absl::Minutes(10);
  const absl::Time start = absl::Now();
  ChildProcess child(
      UnderUlimit("ulimit -Sn 1024", "--lp_launch_type=local_mp --servers=500"));
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kDeadline)), 0) << child.output();
  const absl::Duration took = absl::Now() - start;
  EXPECT_THAT(child.output(), HasSubstr("[caller/0] caller: all 500 servers answered\n"));
  // The workers inherited the raised limit.
  EXPECT_THAT(child.output(), HasSubstr(absl::StrCat("[caller/0] caller: open files ",
                                                     HardLimit(), " ", HardLimit(), "\n")));
  std::cout << "500 CourierNodes under local_mp: launch, 500 calls and stop took "
            << absl::FormatDuration(absl::Trunc(took, absl::Milliseconds(100))) << "\n";
  RecordProperty("seconds", absl::StrCat(absl::ToDoubleSeconds(took)));
}

// 60 workers need about 200 descriptors in the launcher. Without the check before the
// first worker, the launch ran out half-way: the workers already started waited 30 s for
// a coordinator that could not accept them, and the message said "pipe2: Too many open
// files" without the limit.
TEST(OpenFilesTest, AHardLimitTooLowFailsBeforeAnyWorkerStartsNamingIt) {
  ChildProcess child(UnderUlimit(
      "ulimit -n 64", "--lp_launch_type=local_mp --servers=60 --lp_termination_notice_secs=600"));
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitLaunchError) << child.output();
  EXPECT_THAT(child.output(),
              HasSubstr("lp: program 'many_nodes' could not be launched: starting 61 nodes in 61 "
                        "processes needs about "));
  EXPECT_THAT(child.output(), HasSubstr("the limit of open files is 64 (soft) / 64 (hard)"));
  EXPECT_THAT(child.output(), HasSubstr("raise the hard limit to at least "));
  EXPECT_THAT(child.output(), HasSubstr("`ulimit -Hn "));
  EXPECT_THAT(child.output(), Not(HasSubstr("[server/")));  // no worker ran
}

}  // namespace
}  // namespace lp
