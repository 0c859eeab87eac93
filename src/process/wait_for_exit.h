#ifndef LP_SRC_PROCESS_WAIT_FOR_EXIT_H_
#define LP_SRC_PROCESS_WAIT_FOR_EXIT_H_

#include <sys/types.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "src/process/exit_info.h"
#include "src/process/unique_fd.h"

namespace lp::internal {

// A pidfd (pidfd_open, Linux >= 5.3): a descriptor that becomes readable when the process
// ends. It names the process itself, not its number, so it stays correct even if the pid
// is reused, and it works for processes that are not our children (tmux panes, terminal
// windows), whose exit waitpid() cannot see.
//
// Thread safety: WaitUntilExited may be called from several threads at once.
class PidFd {
 public:
  // NotFound when no such process exists (any more).
  static absl::StatusOr<PidFd> Open(pid_t pid);

  pid_t pid() const { return pid_; }
  // The descriptor itself, for poll() beside others: readable once the process ended.
  int fd() const { return fd_.get(); }
  // True once the process has ended (for a child: it is a zombie waiting to be reaped);
  // false when `deadline` passes first. absl::InfiniteFuture() waits for ever.
  bool WaitUntilExited(absl::Time deadline) const;

 private:
  PidFd(pid_t pid, UniqueFd fd) : pid_(pid), fd_(std::move(fd)) {}
  pid_t pid_;
  UniqueFd fd_;
};

// poll()'s timeout for `deadline`: -1 for ever, rounded up so that a poll never wakes
// early.
int PollTimeoutMillis(absl::Time deadline);

// Waits until the child `pid` ends or `deadline` passes, and reaps it. Waits on that pid
// only (never waitpid(-1)), so children other code in the process started are left
// alone.
//   - DeadlineExceeded: still running at `deadline`; call again later.
//   - FailedPrecondition: `pid` is not a child of this process, or was already reaped.
//
// Thread safety: safe to call from any thread, but only one caller may wait for a given
// pid: whoever reaps it first takes the exit status with it. Share the result (as the
// terminals' NodeProcess does) when several threads need it.
absl::StatusOr<ExitInfo> WaitForExit(pid_t pid, absl::Time deadline);

}  // namespace lp::internal

#endif  // LP_SRC_PROCESS_WAIT_FOR_EXIT_H_
