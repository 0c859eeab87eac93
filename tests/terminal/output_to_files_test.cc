#include "src/terminal/output_to_files.h"

#include <unistd.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/terminal/terminal_test_util.h"

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

TEST(OutputToFilesTest, UncreatableDirectoryIsAClearError) {
  absl::StatusOr<std::unique_ptr<OutputToFiles>> terminal =
      OutputToFiles::Create("p", "/proc/lp_cannot_create_this");
  ASSERT_FALSE(terminal.ok());
  EXPECT_THAT(terminal.status().message(), HasSubstr("/proc/lp_cannot_create_this"));
  EXPECT_THAT(terminal.status().message(), HasSubstr("--lp_log_dir"));
}

}  // namespace
}  // namespace lp::internal
