#ifndef LP_SRC_TERMINAL_TERMINAL_KIND_H_
#define LP_SRC_TERMINAL_TERMINAL_KIND_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lp::internal {

// Where the nodes of a local_mp launch show their output (--lp_terminal).
enum class TerminalKind {
  kCurrentTerminal,  // "current_terminal": lines prefixed [group/index] in the launcher's
  kOutputToFiles,    // "output_to_files": one log file per node in a directory
  kTmuxSession,      // "tmux_session": a tmux window per node
  kXterm,            // "xterm": an xterm window per node
  kGnomeTerminal,    // "gnome-terminal": a gnome-terminal window per node
};

// The flag spelling of `kind`.
std::string TerminalKindName(TerminalKind kind);

// The inverse; InvalidArgument listing the valid names otherwise.
absl::StatusOr<TerminalKind> ParseTerminalKind(absl::string_view name);

}  // namespace lp::internal

#endif  // LP_SRC_TERMINAL_TERMINAL_KIND_H_
