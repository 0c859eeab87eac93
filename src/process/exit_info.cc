#include "src/process/exit_info.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "absl/strings/str_cat.h"

namespace lp::internal {

ExitInfo ExitInfo::FromWaitStatus(int wait_status) {
  if (WIFSIGNALED(wait_status)) return Signaled(WTERMSIG(wait_status));
  return Exited(WEXITSTATUS(wait_status));
}

ExitInfo ExitInfo::FromShellStatus(int shell_status) {
  if (shell_status > 128 && shell_status < 128 + NSIG) return Signaled(shell_status - 128);
  return Exited(shell_status);
}

std::string SignalName(int signal) {
  // sigabbrev_np (glibc >= 2.32) is thread-safe, unlike strsignal.
  const char* abbreviation = sigabbrev_np(signal);
  if (abbreviation == nullptr) return absl::StrCat("signal ", signal);
  return absl::StrCat("SIG", abbreviation);
}

std::string ExitInfo::ToString() const {
  if (!signaled()) return absl::StrCat("exited with code ", exit_code);
  // The crashes a user most often meets get their everyday name first.
  switch (signal) {
    case SIGSEGV:
      return absl::StrCat("segmentation fault (signal ", signal, ", SIGSEGV)");
    case SIGABRT:
      return absl::StrCat("aborted (signal ", signal, ", SIGABRT)");
    case SIGBUS:
      return absl::StrCat("bus error (signal ", signal, ", SIGBUS)");
    case SIGFPE:
      return absl::StrCat("arithmetic exception (signal ", signal, ", SIGFPE)");
    case SIGILL:
      return absl::StrCat("illegal instruction (signal ", signal, ", SIGILL)");
    default:
      return absl::StrCat("killed by signal ", signal, " (", SignalName(signal), ")");
  }
}

}  // namespace lp::internal
