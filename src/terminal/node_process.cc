#include "src/terminal/node_process.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "src/process/process_tree.h"

namespace lp::internal {

absl::StatusOr<ExitInfo> NodeProcess::WaitForExit(absl::Time deadline) {
  {
    absl::MutexLock lock(&mu_);
    // Only one thread waits on the process itself; the others wait for its verdict.
    auto settled = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return exit_.has_value() || !waiting_;
    };
    if (!mu_.AwaitWithDeadline(absl::Condition(&settled), deadline)) {
      return absl::DeadlineExceededError(absl::StrCat("process ", pid_, " still running"));
    }
    if (exit_.has_value()) return *exit_;
    waiting_ = true;
  }
  absl::StatusOr<ExitInfo> result = AwaitExit(deadline);
  absl::MutexLock lock(&mu_);
  waiting_ = false;
  if (result.ok()) exit_ = *result;
  return result;
}

bool NodeProcess::HasExited() const {
  absl::MutexLock lock(&mu_);
  return exit_.has_value();
}

void NodeProcess::Kill(int signal) {
  if (!HasExited()) KillProcessTree(pid_, signal);
}

}  // namespace lp::internal
