#include "src/terminal/terminal.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"

#include "src/terminal/current_terminal.h"
#include "src/terminal/output_to_files.h"
#include "src/terminal/tmux_session.h"
#include "src/terminal/window_terminal.h"

namespace lp::internal {

absl::StatusOr<UniqueFd> Terminal::OpenOutput(const std::string&) {
  return absl::FailedPreconditionError(
      absl::StrCat("the ", TerminalKindName(kind()), " terminal starts its nodes' processes itself"));
}

absl::StatusOr<std::unique_ptr<Terminal>> MakeTerminal(TerminalKind kind,
                                                       const TerminalOptions& options) {
  const OutputMultiplexer::Lines lines = options.srun_tasks
                                             ? OutputMultiplexer::Lines::kSrunTaskLabels
                                             : OutputMultiplexer::Lines::kOfTheKey;
  switch (kind) {
    case TerminalKind::kCurrentTerminal: {
      OutputMultiplexer::Options multiplexer;
      multiplexer.output_fd = options.output_fd;
      multiplexer.colour = options.colour.value_or(isatty(options.output_fd) == 1);
      multiplexer.timestamps = options.timestamps;
      return std::make_unique<CurrentTerminal>(std::move(multiplexer), lines);
    }
    case TerminalKind::kOutputToFiles:
      return OutputToFiles::Create(options.program_name, options.log_dir, options.timestamps,
                                   lines);
    case TerminalKind::kTmuxSession:
      return TmuxSession::Create(options.program_name, options.tmux_socket);
    case TerminalKind::kXterm:
    case TerminalKind::kGnomeTerminal:
      return WindowTerminal::Create(kind);
  }
  return absl::InvalidArgumentError("unknown terminal kind");
}

}  // namespace lp::internal
