#ifndef LP_SRC_PROCESS_RUN_COMMAND_H_
#define LP_SRC_PROCESS_RUN_COMMAND_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "src/process/exit_info.h"

namespace lp::internal {

struct CommandResult {
  ExitInfo exit;
  std::string output;  // stdout and stderr, merged
};

// Runs a short helper command (tmux, ...) to completion and captures its output. The
// command is killed (with its process tree) when `timeout` passes: DeadlineExceeded.
// A non-zero exit is not an error here; look at `exit`.
//
// Thread safety: may be called from any thread.
absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         absl::Duration timeout);

}  // namespace lp::internal

#endif  // LP_SRC_PROCESS_RUN_COMMAND_H_
