#include "src/terminal/tmux_session.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/process/run_command.h"
#include "tests/terminal/terminal_test_util.h"

namespace lp::internal {
namespace {

using ::testing::HasSubstr;

constexpr absl::Duration kTimeout = absl::Seconds(60);

// Every test talks to its own tmux server (tmux -L), killed at the end: nothing leaks
// into the user's sessions.
class TmuxSessionTest : public ::testing::Test {
 protected:
  void TearDown() override {
    (void)Tmux({"kill-server"});
    // tmux leaves the socket file behind.
    std::remove(absl::StrCat("/tmp/tmux-", getuid(), "/", socket_).c_str());
  }

  absl::StatusOr<CommandResult> Tmux(std::vector<std::string> args) {
    args.insert(args.begin(), {"tmux", "-L", socket_});
    return RunCommand(args, kTimeout);
  }

  // Unique per test too: a server still shutting down must not serve the next test.
  // Only tmux sees a pane's content, and it reads the pane asynchronously: poll it.
  static bool WaitForPaneLine(Terminal& terminal, const std::string& node_key,
                              const std::string& text) {
    const absl::Time deadline = absl::Now() + kTimeout;
    while (absl::Now() < deadline) {
      for (const std::string& line : terminal.LastLines(node_key)) {
        if (line.find(text) != std::string::npos) return true;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  }

  const std::string socket_ = absl::StrCat(
      "lp-test-", getpid(), "-", ::testing::UnitTest::GetInstance()->current_test_info()->name());
};

TEST_F(TmuxSessionTest, RunsEachNodeInItsOwnWindowAndKeepsItsOutput) {
  absl::StatusOr<std::unique_ptr<TmuxSession>> terminal =
      TmuxSession::Create("my.program", socket_);
  ASSERT_TRUE(terminal.ok()) << terminal.status();
  const std::string session = (*terminal)->session_name();
  EXPECT_EQ(session, "my_program");
  EXPECT_THAT((*terminal)->Banner(),
              HasSubstr(absl::StrCat("tmux -L ", socket_, " attach -t my_program")));

  SpawnSpec exits = testing::Shell("echo \"hello from $NODE_NAME\"; exit 3");
  exits.env_overrides = {{"NODE_NAME", "the first node"}};
  absl::StatusOr<std::unique_ptr<NodeProcess>> first = (*terminal)->Launch("worker/0", exits);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::unique_ptr<NodeProcess>> second = (*terminal)->Launch(
      "worker/1", testing::Shell("echo second is up; exec sleep 1000"));
  ASSERT_TRUE(second.ok()) << second.status();

  absl::StatusOr<ExitInfo> exit = (*first)->WaitForExit(absl::Now() + kTimeout);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->ToString(), "exited with code 3");
  EXPECT_TRUE(WaitForPaneLine(**terminal, "worker/0", "hello from the first node"));

  // Kill reaches the worker (pid() is the wrapper shell around it).
  EXPECT_TRUE(absl::IsDeadlineExceeded((*second)->WaitForExit(absl::Now()).status()));
  ASSERT_TRUE(WaitForPaneLine(**terminal, "worker/1", "second is up"));
  (*second)->Kill(SIGKILL);
  exit = (*second)->WaitForExit(absl::Now() + kTimeout);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->ToString(), "killed by signal 9 (SIGKILL)");

  // Both windows are still there for the user to read.
  absl::StatusOr<CommandResult> windows =
      Tmux({"list-windows", "-t", session, "-F", "#{window_name}"});
  ASSERT_TRUE(windows.ok()) << windows.status();
  EXPECT_EQ(windows->output, "worker/0\nworker/1\n");
  absl::StatusOr<CommandResult> pane =
      Tmux({"capture-pane", "-p", "-S", "-", "-t", absl::StrCat(session, ":worker/0")});
  ASSERT_TRUE(pane.ok()) << pane.status();
  EXPECT_THAT(pane->output, HasSubstr("hello from the first node"));
}

TEST_F(TmuxSessionTest, PicksAFreeSessionName) {
  absl::StatusOr<std::unique_ptr<TmuxSession>> first = TmuxSession::Create("prog", socket_);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::unique_ptr<NodeProcess>> node =
      (*first)->Launch("a/0", testing::Shell("exit 0"));
  ASSERT_TRUE(node.ok()) << node.status();
  absl::StatusOr<std::unique_ptr<TmuxSession>> second = TmuxSession::Create("prog", socket_);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ((*second)->session_name(), "prog_2");
  absl::StatusOr<ExitInfo> exit = (*node)->WaitForExit(absl::Now() + kTimeout);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_TRUE(exit->success());
}

TEST_F(TmuxSessionTest, MissingProgramShowsInThePaneAndAsExitCode) {
  absl::StatusOr<std::unique_ptr<TmuxSession>> terminal = TmuxSession::Create("p", socket_);
  ASSERT_TRUE(terminal.ok()) << terminal.status();
  SpawnSpec spec;
  spec.argv = {"/nonexistent/worker", "arg;"};
  absl::StatusOr<std::unique_ptr<NodeProcess>> node = (*terminal)->Launch("w/0", spec);
  ASSERT_TRUE(node.ok()) << node.status();
  absl::StatusOr<ExitInfo> exit = (*node)->WaitForExit(absl::Now() + kTimeout);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->exit_code, 127);
  EXPECT_TRUE(WaitForPaneLine(**terminal, "w/0", "/nonexistent/worker"));
}

TEST_F(TmuxSessionTest, NotInstalledIsAClearError) {
  const std::string saved_path = getenv("PATH");
  setenv("PATH", "/nonexistent", 1);
  absl::StatusOr<std::unique_ptr<TmuxSession>> terminal = TmuxSession::Create("p", socket_);
  setenv("PATH", saved_path.c_str(), 1);
  ASSERT_FALSE(terminal.ok());
  EXPECT_THAT(terminal.status().message(), HasSubstr("needs tmux"));
  EXPECT_THAT(terminal.status().message(), HasSubstr("not installed"));
}

}  // namespace
}  // namespace lp::internal
