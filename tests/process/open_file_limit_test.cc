// The limit of open files: raising it, checking for room, and what running out says, on
// this test process's own limit (restored after each test).

#include "src/process/open_file_limit.h"

#include <sys/resource.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/process/spawn.h"
#include "src/process/wait_for_exit.h"

namespace lp::internal {
namespace {

using ::testing::HasSubstr;

constexpr absl::Duration kTimeout = absl::Seconds(60);

class OpenFileLimitTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &original_), 0); }
  void TearDown() override { setrlimit(RLIMIT_NOFILE, &original_); }

  // Sets the soft limit, keeping the hard one.
  void SetSoftLimit(rlim_t soft) {
    rlimit limit = original_;
    limit.rlim_cur = soft;
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &limit), 0);
  }

  rlimit original_{};
};

TEST_F(OpenFileLimitTest, RaiseLiftsTheSoftLimitToTheHardOne) {
  if (original_.rlim_max < 512) GTEST_SKIP() << "the hard limit is too low to lower below it";
  SetSoftLimit(256);
  RaiseOpenFileLimit();
  rlimit now{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &now), 0);
  EXPECT_EQ(now.rlim_cur, original_.rlim_max);
  EXPECT_EQ(now.rlim_max, original_.rlim_max);
}

TEST_F(OpenFileLimitTest, HeadroomIsCheckedAgainstWhatIsOpen) {
  const int open = OpenDescriptorCount();
  ASSERT_GT(open, 2);  // at least stdin, stdout, stderr
  SetSoftLimit(static_cast<rlim_t>(open) + 10);
  EXPECT_TRUE(CheckOpenFileHeadroom(10, "this").ok());
  const absl::Status status = CheckOpenFileHeadroom(11, "starting 3 nodes");
  EXPECT_TRUE(absl::IsResourceExhausted(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("starting 3 nodes needs about 11 more open files, "
                                          "but the limit of open files is "));
  EXPECT_THAT(status.message(), HasSubstr(absl::StrCat(" and ", open, " are open; raise the "
                                                       "hard limit to at least ", open + 11)));
  EXPECT_THAT(status.message(), HasSubstr("`ulimit -Hn "));
}

TEST_F(OpenFileLimitTest, SpawnOutOfDescriptorsNamesTheLimit) {
  SetSoftLimit(static_cast<rlim_t>(OpenDescriptorCount()));  // not one more
  absl::StatusOr<SpawnedProcess> process =
      Spawn({.argv = {"/bin/true"}, .output = Output::Pipe()});
  ASSERT_FALSE(process.ok());
  EXPECT_TRUE(absl::IsResourceExhausted(process.status())) << process.status();
  // Which descriptor runs out first depends on the free numbers below the limit.
  EXPECT_THAT(process.status().message(),
              HasSubstr(": Too many open files: the limit of open files is "));
  EXPECT_THAT(process.status().message(), HasSubstr("raise the hard limit"));
}

// The launcher waits for each worker with a pidfd; without one to spare it must still
// wait, not take the worker for gone.
TEST_F(OpenFileLimitTest, WaitingForeverNeedsNoDescriptor) {
  absl::StatusOr<SpawnedProcess> process = Spawn({.argv = {"/bin/sh", "-c", "exit 3"}});
  ASSERT_TRUE(process.ok()) << process.status();
  SetSoftLimit(static_cast<rlim_t>(OpenDescriptorCount()));
  absl::StatusOr<ExitInfo> exit = WaitForExit(process->pid, absl::InfiniteFuture());
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->exit_code, 3);
}

}  // namespace
}  // namespace lp::internal
