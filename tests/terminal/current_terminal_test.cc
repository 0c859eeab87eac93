#include "src/terminal/current_terminal.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <optional>
#include <regex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/process/unique_fd.h"
#include "tests/terminal/terminal_test_util.h"
#include "tests/terminal/timestamp_checks.h"

namespace lp::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr absl::Duration kTimeout = absl::Seconds(60);

// The terminal's "stdout": a file, read once every node has ended.
class CurrentTerminalTest : public ::testing::Test {
 protected:
  ~CurrentTerminalTest() override {
    if (!output_path_.empty()) unlink(output_path_.c_str());
  }

  std::unique_ptr<Terminal> Make(std::optional<bool> colour = std::nullopt,
                                 bool timestamps = false, bool srun_tasks = false) {
    // One file per test process: ctest runs these tests side by side, and a shared name let
    // one test read another's output (an ASan run failed 4 of them so).
    output_path_ =
        absl::StrCat(::testing::TempDir(), "/current_terminal_output.", getpid(), ".txt");
    output_.Reset(open(output_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    TerminalOptions options;
    options.output_fd = output_.get();
    options.colour = colour;
    options.timestamps = timestamps;
    options.srun_tasks = srun_tasks;
    absl::StatusOr<std::unique_ptr<Terminal>> terminal =
        MakeTerminal(TerminalKind::kCurrentTerminal, options);
    EXPECT_TRUE(terminal.ok()) << terminal.status();
    return std::move(*terminal);
  }

  std::string output_path_;
  UniqueFd output_;
};

TEST_F(CurrentTerminalTest, PrefixesWholeLinesFromManyNodes) {
  std::unique_ptr<Terminal> terminal = Make();  // a file: no colour by default
  std::vector<std::unique_ptr<NodeProcess>> nodes;
  const int kNodes = 3, kLines = 300;
  for (int i = 0; i < kNodes; ++i) {
    // Each line is written in pieces, so lines would tear if the terminal did not
    // reassemble them; the last one has no newline.
    absl::StatusOr<std::unique_ptr<NodeProcess>> node = terminal->Launch(
        absl::StrCat("worker/", i),
        testing::Shell(absl::StrCat("i=0; while [ $i -lt ", kLines, " ]; do "
                                    "printf 'node ", i, " '; printf 'line %d ", std::string(50, 'x'),
                                    "\\n' $i; i=$((i+1)); done; printf 'partial ", i, "'")));
    ASSERT_TRUE(node.ok()) << node.status();
    nodes.push_back(std::move(*node));
  }
  for (auto& node : nodes) {
    absl::StatusOr<ExitInfo> exit = node->WaitForExit(absl::Now() + kTimeout);
    ASSERT_TRUE(exit.ok()) << exit.status();
    EXPECT_TRUE(exit->success());
  }
  std::vector<std::string> last = terminal->LastLines("worker/1");  // waits for EOF
  ASSERT_EQ(last.size(), 20u);
  EXPECT_EQ(last.back(), "partial 1");
  EXPECT_EQ(last[18], absl::StrCat("node 1 line 299 ", std::string(50, 'x')));
  for (int i = 0; i < kNodes; ++i) terminal->LastLines(absl::StrCat("worker/", i));
  terminal.reset();  // flushes

  const std::string output = testing::ReadFile(output_path_);
  EXPECT_EQ(output.find('\x1b'), std::string::npos) << "colour without a tty";
  std::map<int, int> lines_per_node;
  const std::regex line_pattern(R"(\[worker/(\d)\] node (\d) line (\d+) x{50}|\[worker/(\d)\] partial (\d))");
  for (absl::string_view line : absl::StrSplit(output, '\n', absl::SkipEmpty())) {
    std::cmatch match;
    ASSERT_TRUE(std::regex_match(line.begin(), line.end(), match, line_pattern)) << line;
    if (match[1].matched) {
      EXPECT_EQ(match[1].str(), match[2].str()) << line;
      ++lines_per_node[std::stoi(match[1].str())];
    }
  }
  for (int i = 0; i < kNodes; ++i) {
    EXPECT_EQ(lines_per_node[i], kLines) << i;
    EXPECT_THAT(output, HasSubstr(absl::StrCat("[worker/", i, "] partial ", i, "\n")));
  }
}

TEST_F(CurrentTerminalTest, ColoursPrefixesWhenAsked) {
  std::unique_ptr<Terminal> terminal = Make(/*colour=*/true);
  absl::StatusOr<std::unique_ptr<NodeProcess>> node =
      terminal->Launch("actor/0", testing::Shell("echo hello"));
  ASSERT_TRUE(node.ok()) << node.status();
  ASSERT_TRUE((*node)->WaitForExit(absl::Now() + kTimeout).ok());
  EXPECT_THAT(terminal->LastLines("actor/0"), ElementsAre("hello"));
  terminal.reset();
  EXPECT_EQ(testing::ReadFile(output_path_), "\x1b[36m[actor/0]\x1b[0m hello\n");
}

TEST_F(CurrentTerminalTest, TimestampsStartEveryLineWithTheUtcTimeItWasRead) {
  const absl::Time before = absl::Now();
  std::unique_ptr<Terminal> terminal = Make(/*colour=*/false, /*timestamps=*/true);
  absl::StatusOr<UniqueFd> forked = terminal->OpenOutput("actor/1");  // as a fork server's
  ASSERT_TRUE(forked.ok()) << forked.status();
  const std::string text = "from a fork\n";
  ASSERT_EQ(write(forked->get(), text.data(), text.size()), static_cast<ssize_t>(text.size()));
  forked->Reset();
  absl::StatusOr<std::unique_ptr<NodeProcess>> node =
      terminal->Launch("actor/0", testing::Shell("echo hello; echo world"));
  ASSERT_TRUE(node.ok()) << node.status();
  ASSERT_TRUE((*node)->WaitForExit(absl::Now() + kTimeout).ok());
  EXPECT_THAT(terminal->LastLines("actor/0"), ElementsAre("hello", "world")) << "no stamps";
  EXPECT_THAT(terminal->LastLines("actor/1"), ElementsAre("from a fork"));
  terminal.reset();
  const absl::Time after = absl::Now();

  std::vector<std::string> rests;
  for (absl::string_view line : absl::StrSplit(testing::ReadFile(output_path_), '\n',
                                               absl::SkipEmpty())) {
    std::string rest;
    const std::optional<absl::Time> stamp = testing::LineTimestamp(std::string(line), &rest);
    ASSERT_TRUE(stamp.has_value()) << line;
    // The stamp has microseconds; the clock's own reading may round either way.
    EXPECT_GE(*stamp, before - absl::Milliseconds(1)) << line;
    EXPECT_LE(*stamp, after + absl::Milliseconds(1)) << line;
    rests.push_back(rest);
  }
  std::sort(rests.begin(), rests.end());
  EXPECT_THAT(rests, ElementsAre("[actor/0] hello", "[actor/0] world", "[actor/1] from a fork"));
}

TEST_F(CurrentTerminalTest, AnSrunsTaskLabelsNameEachTasksNode) {
  std::unique_ptr<Terminal> terminal =
      Make(/*colour=*/false, /*timestamps=*/false, /*srun_tasks=*/true);
  // As srun --label writes them: the task's rank, padded to the widest; and srun's own.
  absl::StatusOr<std::unique_ptr<NodeProcess>> node = terminal->Launch(
      "producer", testing::Shell("echo ' 0: zero'; echo ' 1: one: 1'; "
                                 "echo 'srun: error: Unable to create step'; echo '10: ten'; "
                                 "echo ' 1: '"));
  ASSERT_TRUE(node.ok()) << node.status();
  ASSERT_TRUE((*node)->WaitForExit(absl::Now() + kTimeout).ok());
  EXPECT_THAT(terminal->LastLines("producer/1"), ElementsAre("one: 1", ""));
  EXPECT_THAT(terminal->LastLines("producer/10"), ElementsAre("ten"));
  EXPECT_THAT(terminal->LastLines("producer"),
              ElementsAre("srun: error: Unable to create step"));
  terminal.reset();
  EXPECT_EQ(testing::ReadFile(output_path_),
            "[producer/0] zero\n[producer/1] one: 1\n"
            "[producer] srun: error: Unable to create step\n[producer/10] ten\n"
            "[producer/1] \n");
}

TEST_F(CurrentTerminalTest, CutsVeryLongLines) {
  std::unique_ptr<Terminal> terminal = Make();
  absl::StatusOr<std::unique_ptr<NodeProcess>> node = terminal->Launch(
      "big/0", testing::Shell("head -c 40000 /dev/zero | tr '\\0' a; echo; echo end"));
  ASSERT_TRUE(node.ok()) << node.status();
  ASSERT_TRUE((*node)->WaitForExit(absl::Now() + kTimeout).ok());
  std::vector<std::string> last = terminal->LastLines("big/0");
  ASSERT_EQ(last.size(), 4u);
  EXPECT_EQ(last[0].size(), 16384u);
  EXPECT_EQ(last[1].size(), 16384u);
  EXPECT_EQ(last[2].size(), 40000u - 2 * 16384u);
  EXPECT_EQ(last[3], "end");
}

TEST_F(CurrentTerminalTest, ReportsFailuresKillsAndSharesTheExitBetweenWaiters) {
  std::unique_ptr<Terminal> terminal = Make();
  absl::StatusOr<std::unique_ptr<NodeProcess>> failing =
      terminal->Launch("bad/0", testing::Shell("echo about to fail; exit 3"));
  ASSERT_TRUE(failing.ok()) << failing.status();
  absl::StatusOr<ExitInfo> exit = (*failing)->WaitForExit(absl::Now() + kTimeout);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->ToString(), "exited with code 3");
  EXPECT_THAT(terminal->LastLines("bad/0"), ElementsAre("about to fail"));

  absl::StatusOr<std::unique_ptr<NodeProcess>> sleeper =
      terminal->Launch("sleeper/0", testing::Shell("sleep 1000"));
  ASSERT_TRUE(sleeper.ok()) << sleeper.status();
  NodeProcess& node = **sleeper;
  EXPECT_TRUE(absl::IsDeadlineExceeded(node.WaitForExit(absl::Now()).status()));
  absl::StatusOr<ExitInfo> seen_by_thread;
  std::thread waiter([&] { seen_by_thread = node.WaitForExit(absl::Now() + kTimeout); });
  node.Kill(SIGTERM);
  absl::StatusOr<ExitInfo> seen_here = node.WaitForExit(absl::Now() + kTimeout);
  waiter.join();
  ASSERT_TRUE(seen_here.ok()) << seen_here.status();
  ASSERT_TRUE(seen_by_thread.ok()) << seen_by_thread.status();
  EXPECT_EQ(seen_here->ToString(), "killed by signal 15 (SIGTERM)");
  EXPECT_EQ(seen_by_thread->ToString(), seen_here->ToString());
  EXPECT_TRUE(node.HasExited());
}

TEST_F(CurrentTerminalTest, KillNodeProcessesKillsTheRunningNodesAndSparesTheEndedOnes) {
  std::unique_ptr<Terminal> terminal = Make();
  absl::StatusOr<std::unique_ptr<NodeProcess>> ended =
      terminal->Launch("ended/0", testing::Shell("exit 0"));
  ASSERT_TRUE(ended.ok()) << ended.status();
  ASSERT_TRUE((*ended)->WaitForExit(absl::Now() + kTimeout).ok());
  std::vector<std::unique_ptr<NodeProcess>> sleepers;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<std::unique_ptr<NodeProcess>> sleeper =
        terminal->Launch(absl::StrCat("sleeper/", i), testing::Shell("sleep 1000"));
    ASSERT_TRUE(sleeper.ok()) << sleeper.status();
    sleepers.push_back(*std::move(sleeper));
  }

  std::vector<NodeProcess*> all = {ended->get()};
  for (const auto& sleeper : sleepers) all.push_back(sleeper.get());
  KillNodeProcesses(all, SIGKILL);
  for (const auto& sleeper : sleepers) {
    absl::StatusOr<ExitInfo> exit = sleeper->WaitForExit(absl::Now() + kTimeout);
    ASSERT_TRUE(exit.ok()) << exit.status();
    EXPECT_EQ(exit->ToString(), "killed by signal 9 (SIGKILL)");
  }
  absl::StatusOr<ExitInfo> exit = (*ended)->WaitForExit(absl::Now());
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->ToString(), "exited with code 0");
}

TEST_F(CurrentTerminalTest, LaunchErrorsAreStatuses) {
  std::unique_ptr<Terminal> terminal = Make();
  SpawnSpec spec;
  spec.argv = {"/nonexistent/worker"};
  absl::StatusOr<std::unique_ptr<NodeProcess>> node = terminal->Launch("x/0", spec);
  EXPECT_TRUE(absl::IsNotFound(node.status())) << node.status();
}

TEST_F(CurrentTerminalTest, DestroyingARunningNodeKillsIt) {
  std::unique_ptr<Terminal> terminal = Make();
  absl::StatusOr<std::unique_ptr<NodeProcess>> node =
      terminal->Launch("sleeper/0", testing::Shell("sleep 1000"));
  ASSERT_TRUE(node.ok()) << node.status();
  const pid_t pid = (*node)->pid();
  node->reset();  // kills and reaps
  EXPECT_EQ(kill(pid, 0), -1);
}

}  // namespace
}  // namespace lp::internal
