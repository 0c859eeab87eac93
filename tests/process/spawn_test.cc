#include "src/process/spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/process/wait_for_exit.h"
#include "tests/process/process_test_util.h"

namespace lp::internal {
namespace {

using ::testing::HasSubstr;

constexpr absl::Duration kTimeout = absl::Seconds(60);  // generous: loaded CI machines

absl::StatusOr<ExitInfo> RunShell(const std::string& script) {
  absl::StatusOr<SpawnedProcess> process = Spawn({.argv = {"/bin/sh", "-c", script}});
  if (!process.ok()) return process.status();
  return WaitForExit(process->pid, absl::Now() + kTimeout);
}

TEST(SpawnTest, ReportsExitCodes) {
  absl::StatusOr<ExitInfo> exit = RunShell("exit 3");
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->ToString(), "exited with code 3");
  exit = RunShell("true");
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_TRUE(exit->success());
}

TEST(SpawnTest, ReportsSignals) {
  absl::StatusOr<ExitInfo> exit = RunShell("kill -SEGV $$");
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->ToString(), "segmentation fault (signal 11, SIGSEGV)");
  exit = RunShell("kill -KILL $$");
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->ToString(), "killed by signal 9 (SIGKILL)");
}

TEST(SpawnTest, MissingAbsoluteProgramIsAClearError) {
  absl::StatusOr<SpawnedProcess> process = Spawn({.argv = {"/nonexistent/numactl", "-N0"}});
  ASSERT_FALSE(process.ok());
  EXPECT_TRUE(absl::IsNotFound(process.status())) << process.status();
  EXPECT_THAT(process.status().message(),
              HasSubstr("cannot execute /nonexistent/numactl: No such file or directory"));
}

TEST(SpawnTest, MissingProgramOnPathIsAClearError) {
  absl::StatusOr<SpawnedProcess> process = Spawn({.argv = {"lp-no-such-wrapper", "x"}});
  ASSERT_FALSE(process.ok());
  EXPECT_TRUE(absl::IsNotFound(process.status())) << process.status();
  EXPECT_THAT(process.status().message(),
              HasSubstr("program 'lp-no-such-wrapper' is not installed"));
}

TEST(SpawnTest, FindsBareNamesOnPath) {
  absl::StatusOr<SpawnedProcess> process = Spawn({.argv = {"true"}});
  ASSERT_TRUE(process.ok()) << process.status();
  absl::StatusOr<ExitInfo> exit = WaitForExit(process->pid, absl::Now() + kTimeout);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_TRUE(exit->success());
}

TEST(SpawnTest, EnvironmentOverridesReachTheChildAndTheRestIsInherited) {
  ASSERT_EQ(setenv("LP_SPAWN_TEST_INHERITED", "inherited", 1), 0);
  ASSERT_EQ(setenv("LP_SPAWN_TEST_REPLACED", "old", 1), 0);
  absl::StatusOr<SpawnedProcess> process = Spawn(
      {.argv = {"/bin/sh", "-c",
                "echo \"$LP_SPAWN_TEST_NEW|$LP_SPAWN_TEST_REPLACED|$LP_SPAWN_TEST_INHERITED\""},
       .env_overrides = {{"LP_SPAWN_TEST_NEW", "new value"}, {"LP_SPAWN_TEST_REPLACED", "new"}},
       .output = Output::Pipe()});
  ASSERT_TRUE(process.ok()) << process.status();
  std::string output;
  EXPECT_TRUE(testing::ReadUntil(process->output.get(), "\n", kTimeout, output));
  EXPECT_EQ(output, "new value|new|inherited\n");
  ASSERT_TRUE(WaitForExit(process->pid, absl::Now() + kTimeout).ok());
}

TEST(SpawnTest, PipeMergesStdoutAndStderr) {
  absl::StatusOr<SpawnedProcess> process = Spawn(
      {.argv = {"/bin/sh", "-c", "echo out; echo err >&2; echo done"},
       .output = Output::Pipe()});
  ASSERT_TRUE(process.ok()) << process.status();
  std::string output;
  EXPECT_TRUE(testing::ReadUntil(process->output.get(), "done\n", kTimeout, output));
  EXPECT_EQ(output, "out\nerr\ndone\n");
  ASSERT_TRUE(WaitForExit(process->pid, absl::Now() + kTimeout).ok());
}

TEST(SpawnTest, FileOutputAppends) {
  const std::string path = ::testing::TempDir() + "/spawn_test_output.log";
  std::remove(path.c_str());
  for (const char* word : {"first", "second"}) {
    absl::StatusOr<SpawnedProcess> process =
        Spawn({.argv = {"/bin/echo", word}, .output = Output::File(path)});
    ASSERT_TRUE(process.ok()) << process.status();
    ASSERT_TRUE(WaitForExit(process->pid, absl::Now() + kTimeout).ok());
  }
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  EXPECT_EQ(content.str(), "first\nsecond\n");
}

TEST(SpawnTest, UnwritableLogFileIsAnError) {
  absl::StatusOr<SpawnedProcess> process =
      Spawn({.argv = {"/bin/true"}, .output = Output::File("/nonexistent/dir/x.log")});
  ASSERT_FALSE(process.ok());
  EXPECT_THAT(process.status().message(), HasSubstr("/nonexistent/dir/x.log"));
}

TEST(SpawnTest, ChildLeadsItsOwnProcessGroup) {
  absl::StatusOr<SpawnedProcess> process = Spawn({.argv = {"/bin/sleep", "1000"}});
  ASSERT_TRUE(process.ok()) << process.status();
  EXPECT_EQ(process->pgid, process->pid);
  EXPECT_EQ(getpgid(process->pid), process->pid);
  EXPECT_NE(getpgid(process->pid), getpgrp());
  kill(process->pid, SIGKILL);
  ASSERT_TRUE(WaitForExit(process->pid, absl::Now() + kTimeout).ok());
}

TEST(SpawnTest, StdinIsDevNullByDefault) {
  absl::StatusOr<SpawnedProcess> process = Spawn(
      {.argv = {"/bin/sh", "-c", "if read line; then echo got; else echo eof; fi"},
       .output = Output::Pipe()});
  ASSERT_TRUE(process.ok()) << process.status();
  std::string output;
  EXPECT_TRUE(testing::ReadUntil(process->output.get(), "\n", kTimeout, output));
  EXPECT_EQ(output, "eof\n");
  ASSERT_TRUE(WaitForExit(process->pid, absl::Now() + kTimeout).ok());
}

// A fork server's socket reaches it so; every other descriptor stays closed on exec.
TEST(SpawnTest, APassedDescriptorArrivesAsDescriptor3AndNoOtherLeaks) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  // Not 3 in this process (the test runner's own descriptors come first): it must move.
  UniqueFd passed(fcntl(write_end.get(), F_DUPFD_CLOEXEC, 10));
  write_end.Reset();
  absl::StatusOr<SpawnedProcess> process =
      Spawn({.argv = {"/bin/sh", "-c", "echo through-3 >&3; ls /proc/self/fd"},
             .output = Output::Pipe(), .passed_fd = passed.get()});
  passed.Reset();
  ASSERT_TRUE(process.ok()) << process.status();
  std::string through;
  EXPECT_TRUE(testing::ReadUntil(read_end.get(), "\n", kTimeout, through));
  EXPECT_EQ(through, "through-3\n");
  std::string listing;
  (void)testing::ReadUntil(process->output.get(), "\x01never\x01", kTimeout, listing);
  // 0-2, 3, and the descriptor ls opened to read the directory (its own, not leaked).
  EXPECT_THAT(absl::StrSplit(listing, '\n', absl::SkipEmpty()),
              ::testing::UnorderedElementsAre("0", "1", "2", "3", "4"))
      << listing;
  ASSERT_TRUE(WaitForExit(process->pid, absl::Now() + kTimeout).ok());
}

TEST(WaitForExitTest, DeadlineThenExit) {
  absl::StatusOr<SpawnedProcess> process = Spawn({.argv = {"/bin/sleep", "1000"}});
  ASSERT_TRUE(process.ok()) << process.status();
  absl::StatusOr<ExitInfo> exit =
      WaitForExit(process->pid, absl::Now() + absl::Milliseconds(50));
  EXPECT_TRUE(absl::IsDeadlineExceeded(exit.status())) << exit.status();
  kill(process->pid, SIGTERM);
  exit = WaitForExit(process->pid, absl::Now() + kTimeout);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->ToString(), "killed by signal 15 (SIGTERM)");
  // Reaped: a second wait cannot know any more.
  exit = WaitForExit(process->pid, absl::Now() + kTimeout);
  EXPECT_TRUE(absl::IsFailedPrecondition(exit.status())) << exit.status();
}

TEST(WaitForExitTest, RefusesProcessesThatAreNotChildren) {
  absl::StatusOr<ExitInfo> exit = WaitForExit(1, absl::Now());
  EXPECT_TRUE(absl::IsFailedPrecondition(exit.status()) ||
              absl::IsDeadlineExceeded(exit.status()))
      << exit.status();
}

}  // namespace
}  // namespace lp::internal
