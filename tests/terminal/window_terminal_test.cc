#include "src/terminal/window_terminal.h"

#include <stdlib.h>

#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lp::internal {
namespace {

using ::testing::HasSubstr;

// Sets (or unsets) an environment variable for the scope of a test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = getenv(name)) saved_ = old;
    if (value == nullptr) {
      unsetenv(name);
    } else {
      setenv(name, value, 1);
    }
  }
  ~ScopedEnv() {
    if (saved_) {
      setenv(name_, saved_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> saved_;
};

TEST(WindowTerminalTest, NoDisplayIsAClearError) {
  ScopedEnv display("DISPLAY", nullptr);
  ScopedEnv wayland("WAYLAND_DISPLAY", nullptr);
  for (TerminalKind kind : {TerminalKind::kXterm, TerminalKind::kGnomeTerminal}) {
    absl::StatusOr<std::unique_ptr<Terminal>> terminal = MakeTerminal(kind, {});
    ASSERT_FALSE(terminal.ok());
    EXPECT_TRUE(absl::IsFailedPrecondition(terminal.status()));
    const std::string message(terminal.status().message());
    EXPECT_THAT(message, HasSubstr("there is no display"));
    EXPECT_THAT(message, HasSubstr(kind == TerminalKind::kXterm
                                       ? "DISPLAY is not set"
                                       : "neither DISPLAY nor WAYLAND_DISPLAY is set"));
    EXPECT_THAT(message, HasSubstr("--lp_terminal=current_terminal"));
  }
}

// Neither is installed on the build machine (keep it so: this is the error path).
TEST(WindowTerminalTest, NotInstalledIsAClearError) {
  ScopedEnv display("DISPLAY", ":99");
  for (TerminalKind kind : {TerminalKind::kXterm, TerminalKind::kGnomeTerminal}) {
    const std::string name = TerminalKindName(kind);
    absl::StatusOr<std::unique_ptr<Terminal>> terminal = MakeTerminal(kind, {});
    if (terminal.ok()) GTEST_SKIP() << name << " is installed here";
    EXPECT_TRUE(absl::IsFailedPrecondition(terminal.status()));
    const std::string message(terminal.status().message());
    EXPECT_THAT(message, HasSubstr("program '" + name + "' is not installed"));
    EXPECT_THAT(message, HasSubstr("apt install " + name));
  }
}

}  // namespace
}  // namespace lp::internal
