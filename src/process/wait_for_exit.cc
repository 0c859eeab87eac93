#include "src/process/wait_for_exit.h"

#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "src/process/open_file_limit.h"

namespace lp::internal {
namespace {

absl::Status NotAChild(pid_t pid) {
  return absl::FailedPreconditionError(absl::StrCat(
      "process ", pid, " is not a child of this process, or was already reaped"));
}

}  // namespace

int PollTimeoutMillis(absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) return -1;
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  return static_cast<int>(std::min<int64_t>(
      absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))), INT_MAX));
}

absl::StatusOr<PidFd> PidFd::Open(pid_t pid) {
  // Through syscall(): Debian 12's <sys/pidfd.h> declares pidfd_open without extern "C".
  const int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) {
    if (errno == ESRCH) return absl::NotFoundError(absl::StrCat("no process ", pid));
    if (IsOutOfDescriptors(errno)) {
      return OutOfDescriptorsError(absl::StrCat("cannot watch process ", pid), errno);
    }
    return absl::InternalError(
        absl::StrCat("pidfd_open(", pid, "): ", std::strerror(errno)));
  }
  return PidFd(pid, UniqueFd(fd));
}

bool PidFd::WaitUntilExited(absl::Time deadline) const {
  for (;;) {
    pollfd poll_fd{fd_.get(), POLLIN, 0};
    const int ready = poll(&poll_fd, 1, PollTimeoutMillis(deadline));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return true;  // a broken pidfd: do not hang
    if (ready == 0 && absl::Now() >= deadline) return false;
  }
}

absl::StatusOr<ExitInfo> WaitForExit(pid_t pid, absl::Time deadline) {
  absl::StatusOr<PidFd> pidfd = PidFd::Open(pid);
  // pidfd_open succeeds for zombies, so NotFound means reaped already (or never ours).
  if (!pidfd.ok() && absl::IsNotFound(pidfd.status())) return NotAChild(pid);
  if (!pidfd.ok()) {
    // Out of descriptors: waiting for ever needs none; a deadline does.
    if (deadline != absl::InfiniteFuture()) return pidfd.status();
  } else if (!pidfd->WaitUntilExited(deadline)) {
    return absl::DeadlineExceededError(absl::StrCat("process ", pid, " is still running"));
  }
  int status = 0;
  for (;;) {
    const pid_t reaped = waitpid(pid, &status, 0);
    if (reaped == pid) return ExitInfo::FromWaitStatus(status);
    if (reaped < 0 && errno == EINTR) continue;
    return NotAChild(pid);
  }
}

}  // namespace lp::internal
