#include "src/terminal/terminal_kind.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lp::internal {
namespace {

TEST(TerminalKindTest, ParsesEveryName) {
  for (TerminalKind kind : {TerminalKind::kCurrentTerminal, TerminalKind::kOutputToFiles,
                            TerminalKind::kTmuxSession, TerminalKind::kXterm,
                            TerminalKind::kGnomeTerminal}) {
    absl::StatusOr<TerminalKind> parsed = ParseTerminalKind(TerminalKindName(kind));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, kind);
  }
  EXPECT_EQ(*ParseTerminalKind("gnome-terminal"), TerminalKind::kGnomeTerminal);
}

TEST(TerminalKindTest, UnknownNameListsTheValidOnes) {
  absl::StatusOr<TerminalKind> parsed = ParseTerminalKind("konsole");
  ASSERT_TRUE(absl::IsInvalidArgument(parsed.status()));
  EXPECT_THAT(parsed.status().message(),
              ::testing::HasSubstr("unknown terminal 'konsole' for --lp_terminal; valid: "
                                   "current_terminal, output_to_files, tmux_session, xterm, "
                                   "gnome-terminal"));
}

}  // namespace
}  // namespace lp::internal
