#include "src/process/run_command.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lp::internal {
namespace {

TEST(RunCommandTest, CapturesOutputAndExit) {
  absl::StatusOr<CommandResult> result =
      RunCommand({"/bin/sh", "-c", "echo hello; echo oops >&2; exit 4"}, absl::Seconds(60));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->output, "hello\noops\n");
  EXPECT_EQ(result->exit.exit_code, 4);
}

TEST(RunCommandTest, KillsCommandsThatOverrunTheirTimeout) {
  absl::StatusOr<CommandResult> result =
      RunCommand({"/bin/sleep", "1000"}, absl::Milliseconds(200));
  EXPECT_TRUE(absl::IsDeadlineExceeded(result.status())) << result.status();
  EXPECT_THAT(result.status().message(), ::testing::HasSubstr("/bin/sleep 1000"));
}

}  // namespace
}  // namespace lp::internal
