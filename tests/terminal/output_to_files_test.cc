#include "src/terminal/output_to_files.h"

#include <unistd.h>

#include <filesystem>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "absl/strings/str_split.h"
#include "src/process/unique_fd.h"
#include "tests/terminal/terminal_test_util.h"
#include "tests/terminal/timestamp_checks.h"

namespace lp::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr absl::Duration kTimeout = absl::Seconds(60);

TEST(OutputToFilesTest, WritesOneFilePerNodeInTheGivenDirectory) {
  const std::string dir =
      absl::StrCat(::testing::TempDir(), "/output_to_files_", getpid(), "/nested");
  std::filesystem::remove_all(dir);
  TerminalOptions options;
  options.log_dir = dir;
  absl::StatusOr<std::unique_ptr<Terminal>> terminal =
      MakeTerminal(TerminalKind::kOutputToFiles, options);
  ASSERT_TRUE(terminal.ok()) << terminal.status();
  EXPECT_THAT((*terminal)->Banner(), HasSubstr(dir));

  std::vector<std::unique_ptr<NodeProcess>> nodes;
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<std::unique_ptr<NodeProcess>> node = (*terminal)->Launch(
        absl::StrCat("learner/", i),
        testing::Shell(absl::StrCat("i=0; while [ $i -lt 30 ]; do echo line $i; "
                                    "i=$((i+1)); done; echo err ", i, " >&2")));
    ASSERT_TRUE(node.ok()) << node.status();
    nodes.push_back(std::move(*node));
  }
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(nodes[i]->WaitForExit(absl::Now() + kTimeout).ok());
    const std::string content = testing::ReadFile(absl::StrCat(dir, "/learner.", i, ".log"));
    EXPECT_THAT(content, StartsWith("line 0\nline 1\n"));
    EXPECT_THAT(content, HasSubstr(absl::StrCat("line 29\nerr ", i, "\n")));
    const std::vector<std::string> last = (*terminal)->LastLines(absl::StrCat("learner/", i));
    ASSERT_EQ(last.size(), 20u);
    EXPECT_EQ(last.front(), "line 11");
    EXPECT_EQ(last.back(), absl::StrCat("err ", i));
  }
  EXPECT_TRUE((*terminal)->LastLines("unknown/0").empty());
  std::filesystem::remove_all(dir);
}

TEST(OutputToFilesTest, DefaultsToAFreshDirectoryNamedAfterTheProgram) {
  absl::StatusOr<std::unique_ptr<OutputToFiles>> terminal =
      OutputToFiles::Create("my program", "");
  ASSERT_TRUE(terminal.ok()) << terminal.status();
  EXPECT_THAT((*terminal)->directory(), StartsWith("/tmp/my_program-"));
  EXPECT_TRUE(std::filesystem::is_directory((*terminal)->directory()));
  absl::StatusOr<std::unique_ptr<NodeProcess>> node =
      (*terminal)->Launch("a/0", testing::Shell("echo hi; exit 2"));
  ASSERT_TRUE(node.ok()) << node.status();
  absl::StatusOr<ExitInfo> exit = (*node)->WaitForExit(absl::Now() + kTimeout);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->exit_code, 2);
  EXPECT_THAT((*terminal)->LastLines("a/0"), ElementsAre("hi"));
  std::filesystem::remove_all((*terminal)->directory());
}

// The lines of a log file, each checked for a timestamp of [before, after] and stripped
// of it.
std::vector<std::string> StampedLines(const std::string& path, absl::Time before,
                                      absl::Time after) {
  std::vector<std::string> rests;
  for (absl::string_view line : absl::StrSplit(testing::ReadFile(path), '\n',
                                               absl::SkipEmpty())) {
    std::string rest;
    const std::optional<absl::Time> stamp = testing::LineTimestamp(std::string(line), &rest);
    EXPECT_TRUE(stamp.has_value()) << path << ": " << line;
    if (!stamp.has_value()) continue;
    EXPECT_GE(*stamp, before - absl::Milliseconds(1)) << line;
    EXPECT_LE(*stamp, after + absl::Milliseconds(1)) << line;
    rests.push_back(rest);
  }
  return rests;
}

TEST(OutputToFilesTest, TimestampedLinesGoToEachNodesOwnFile) {
  const absl::Time before = absl::Now();
  absl::StatusOr<std::unique_ptr<OutputToFiles>> terminal =
      OutputToFiles::Create("stamps", "", /*timestamps=*/true);
  ASSERT_TRUE(terminal.ok()) << terminal.status();
  const std::string dir = (*terminal)->directory();
  absl::StatusOr<std::unique_ptr<NodeProcess>> node =
      (*terminal)->Launch("learner/0", testing::Shell("echo one; echo two >&2"));
  ASSERT_TRUE(node.ok()) << node.status();
  absl::StatusOr<UniqueFd> forked = (*terminal)->OpenOutput("learner/1");
  ASSERT_TRUE(forked.ok()) << forked.status();
  const std::string text = "forked\n";
  ASSERT_EQ(write(forked->get(), text.data(), text.size()), static_cast<ssize_t>(text.size()));
  forked->Reset();
  absl::StatusOr<std::unique_ptr<NodeProcess>> silent =
      (*terminal)->Launch("silent/0", testing::Shell("true"));
  ASSERT_TRUE(silent.ok()) << silent.status();
  ASSERT_TRUE((*silent)->WaitForExit(absl::Now() + kTimeout).ok());
  EXPECT_TRUE(std::filesystem::exists(dir + "/silent.0.log")) << "a file for every node";
  ASSERT_TRUE((*node)->WaitForExit(absl::Now() + kTimeout).ok());
  EXPECT_THAT((*terminal)->LastLines("learner/0"), ElementsAre("one", "two"));
  EXPECT_THAT((*terminal)->LastLines("learner/1"), ElementsAre("forked"));
  terminal->reset();  // every line written
  const absl::Time after = absl::Now();
  EXPECT_THAT(StampedLines(dir + "/learner.0.log", before, after), ElementsAre("one", "two"));
  EXPECT_THAT(StampedLines(dir + "/learner.1.log", before, after), ElementsAre("forked"));
  std::filesystem::remove_all(dir);
}

TEST(OutputToFilesTest, AnSrunsTasksEachWriteTheirNodesFile) {
  absl::StatusOr<std::unique_ptr<OutputToFiles>> terminal = OutputToFiles::Create(
      "srun", "", /*timestamps=*/false, OutputMultiplexer::Lines::kSrunTaskLabels);
  ASSERT_TRUE(terminal.ok()) << terminal.status();
  const std::string dir = (*terminal)->directory();
  absl::StatusOr<std::unique_ptr<NodeProcess>> node = (*terminal)->Launch(
      "producer", testing::Shell("echo '0: zero'; echo '1: one'; echo 'srun: error: oops'; "
                                 "echo '0: zero again'"));
  ASSERT_TRUE(node.ok()) << node.status();
  ASSERT_TRUE((*node)->WaitForExit(absl::Now() + kTimeout).ok());
  EXPECT_THAT((*terminal)->LastLines("producer/0"), ElementsAre("zero", "zero again"));
  EXPECT_THAT((*terminal)->LastLines("producer"), ElementsAre("srun: error: oops"));
  terminal->reset();
  EXPECT_EQ(testing::ReadFile(dir + "/producer.0.log"), "zero\nzero again\n");
  EXPECT_EQ(testing::ReadFile(dir + "/producer.1.log"), "one\n");
  EXPECT_EQ(testing::ReadFile(dir + "/producer.log"), "srun: error: oops\n");
  std::filesystem::remove_all(dir);
}

TEST(OutputToFilesTest, UncreatableDirectoryIsAClearError) {
  absl::StatusOr<std::unique_ptr<OutputToFiles>> terminal =
      OutputToFiles::Create("p", "/proc/lp_cannot_create_this");
  ASSERT_FALSE(terminal.ok());
  EXPECT_THAT(terminal.status().message(), HasSubstr("/proc/lp_cannot_create_this"));
  EXPECT_THAT(terminal.status().message(), HasSubstr("--lp_log_dir"));
}

}  // namespace
}  // namespace lp::internal
