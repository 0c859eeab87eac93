#include "src/terminal/terminal_kind.h"

#include <array>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace lp::internal {
namespace {

constexpr std::array<std::pair<TerminalKind, const char*>, 5> kNames = {{
    {TerminalKind::kCurrentTerminal, "current_terminal"},
    {TerminalKind::kOutputToFiles, "output_to_files"},
    {TerminalKind::kTmuxSession, "tmux_session"},
    {TerminalKind::kXterm, "xterm"},
    {TerminalKind::kGnomeTerminal, "gnome-terminal"},
}};

}  // namespace

std::string TerminalKindName(TerminalKind kind) {
  for (const auto& [each, name] : kNames) {
    if (each == kind) return name;
  }
  return "unknown";
}

absl::StatusOr<TerminalKind> ParseTerminalKind(absl::string_view name) {
  std::string valid;
  for (const auto& [kind, each] : kNames) {
    if (name == each) return kind;
    absl::StrAppend(&valid, valid.empty() ? "" : ", ", each);
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown terminal '", name,
                                                 "' for --lp_terminal; valid: ", valid));
}

}  // namespace lp::internal
