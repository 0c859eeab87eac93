// ChildProcess::Stacks, which a test prints when its child hangs.

#include "tests/support/child_process.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lp::testing {
namespace {

using ::testing::HasSubstr;

TEST(ChildProcessTest, StacksShowEveryProcessOfAHungChildWhereItWaits) {
  // The shell waits for `sleep`, its child: a tree of two processes, both blocked.
  ChildProcess child({"/bin/sh", "-c", "echo started; sleep 600; echo done"});
  ASSERT_TRUE(child.WaitForOutput("started", absl::Seconds(60))) << child.output();
  std::string stacks;
  // `sleep` is forked after the echo: wait until the tree shows it.
  for (int attempt = 0; attempt < 600; ++attempt) {
    stacks = child.Stacks();
    if (stacks.find("sleep") != std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  if (stacks.find("gdb is not installed") != std::string::npos) GTEST_SKIP() << stacks;
  EXPECT_THAT(stacks, HasSubstr(absl::StrCat("==== stacks of process ", child.pid())));
  // The shell's wait, and sleep's.
  EXPECT_THAT(stacks, HasSubstr("wait"));
  EXPECT_THAT(stacks, HasSubstr("nanosleep"));
}

TEST(ChildProcessTest, AChildThatEndedHasNoStacks) {
  ChildProcess child({"/bin/true"});
  ASSERT_TRUE(child.WaitForExit(absl::Seconds(60)).has_value());
  EXPECT_EQ(child.Stacks(), "");
}

}  // namespace
}  // namespace lp::testing
