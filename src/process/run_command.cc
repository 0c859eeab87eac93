#include "src/process/run_command.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "src/process/process_tree.h"
#include "src/process/spawn.h"
#include "src/process/wait_for_exit.h"

namespace lp::internal {
namespace {

// Reads `fd` to EOF. False if `deadline` passes first.
bool ReadAll(int fd, absl::Time deadline, std::string& out) {
  char buffer[4096];
  for (;;) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    pollfd poll_fd{fd, POLLIN, 0};
    const int millis = static_cast<int>(
        std::min<int64_t>(absl::ToInt64Milliseconds(left) + 1, INT_MAX));
    const int ready = poll(&poll_fd, 1, millis);
    if (ready < 0 && errno != EINTR) return true;
    if (ready <= 0) continue;
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n == 0) return true;
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return true;
    }
    out.append(buffer, static_cast<size_t>(n));
  }
}

}  // namespace

absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         absl::Duration timeout) {
  SpawnSpec spec;
  spec.argv = argv;
  spec.output = Output::Pipe();
  // Short-lived and waited for right here: no need to tie it to the forking thread.
  spec.kill_on_parent_death = false;
  absl::StatusOr<SpawnedProcess> process = Spawn(spec);
  if (!process.ok()) return process.status();
  const absl::Time deadline = absl::Now() + timeout;
  CommandResult result;
  // A daemon the command leaves behind could keep the pipe open; the deadline bounds it.
  const bool complete = ReadAll(process->output.get(), deadline, result.output);
  absl::StatusOr<ExitInfo> exit = WaitForExit(process->pid, complete ? deadline : absl::Now());
  if (!exit.ok() && absl::IsDeadlineExceeded(exit.status())) {
    KillProcessTree(process->pid, SIGKILL);
    (void)WaitForExit(process->pid, absl::InfiniteFuture());
    return absl::DeadlineExceededError(absl::StrCat("'", absl::StrJoin(argv, " "),
                                                    "' did not finish within ",
                                                    absl::FormatDuration(timeout)));
  }
  if (!exit.ok()) return exit.status();
  result.exit = *exit;
  return result;
}

}  // namespace lp::internal
