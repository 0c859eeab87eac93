#include "src/process/exit_info.h"

#include <signal.h>
#include <sys/wait.h>

#include "gtest/gtest.h"

namespace lp::internal {
namespace {

TEST(ExitInfoTest, DescribesExitCodesAndSignals) {
  EXPECT_EQ(ExitInfo::Exited(3).ToString(), "exited with code 3");
  EXPECT_EQ(ExitInfo::Signaled(SIGKILL).ToString(), "killed by signal 9 (SIGKILL)");
  EXPECT_EQ(ExitInfo::Signaled(SIGSEGV).ToString(), "segmentation fault (signal 11, SIGSEGV)");
  EXPECT_EQ(ExitInfo::Signaled(SIGABRT).ToString(), "aborted (signal 6, SIGABRT)");
  EXPECT_TRUE(ExitInfo::Exited(0).success());
  EXPECT_FALSE(ExitInfo::Exited(1).success());
  EXPECT_FALSE(ExitInfo::Signaled(SIGTERM).success());
}

TEST(ExitInfoTest, ReadsWaitAndShellStatuses) {
  const ExitInfo exited = ExitInfo::FromWaitStatus(W_EXITCODE(7, 0));
  EXPECT_FALSE(exited.signaled());
  EXPECT_EQ(exited.exit_code, 7);
  EXPECT_EQ(ExitInfo::FromWaitStatus(SIGTERM).signal, SIGTERM);
  EXPECT_EQ(ExitInfo::FromShellStatus(137).signal, SIGKILL);
  EXPECT_EQ(ExitInfo::FromShellStatus(2).exit_code, 2);
}

}  // namespace
}  // namespace lp::internal
