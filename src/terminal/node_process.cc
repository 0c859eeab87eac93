#include "src/terminal/node_process.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lp/internal/deadline_wait.h"
#include "src/process/process_tree.h"

namespace lp::internal {

NodeProcess::~NodeProcess() {
  if (notifier_.joinable()) notifier_.join();
}

void NodeProcess::NotifyWhenEnded(std::function<void()> ended) {
  notifier_ = std::thread([this, ended = std::move(ended)] {
    (void)WaitForExit(absl::InfiniteFuture());
    ended();
  });
}

absl::StatusOr<ExitInfo> NodeProcess::WaitForExit(absl::Time deadline) {
  {
    std::unique_lock lock(mu_);
    // Only one thread waits on the process itself; the others wait for its verdict.
    // (WaitUntil is header-only, shared with the coordinator: a deadline on a
    // std::condition_variable.)
    auto settled = [this] { return exit_.has_value() || !waiting_; };
    if (!WaitUntil(settled_, lock, deadline, settled)) {
      return absl::DeadlineExceededError(absl::StrCat("process ", pid_, " still running"));
    }
    if (exit_.has_value()) return *exit_;
    waiting_ = true;
  }
  absl::StatusOr<ExitInfo> result = AwaitExit(deadline);
  // Notifying under the lock: a woken waiter may return and destroy this object.
  // Every waiter is woken: on an error (this thread's deadline passed) another one,
  // with a later deadline, takes over the waiting.
  std::lock_guard lock(mu_);
  waiting_ = false;
  if (result.ok()) exit_ = *result;
  settled_.notify_all();
  return result;
}

bool NodeProcess::HasExited() const {
  std::lock_guard lock(mu_);
  return exit_.has_value();
}

void NodeProcess::Kill(int signal) { KillNodeProcesses({this}, signal); }

void KillNodeProcesses(const std::vector<NodeProcess*>& processes, int signal) {
  std::vector<pid_t> roots;
  for (const NodeProcess* process : processes) {
    if (process->HasExited()) continue;  // its pid may be reused
    const std::vector<pid_t> own = process->KillRoots();
    roots.insert(roots.end(), own.begin(), own.end());
  }
  KillProcessTrees(roots, signal);
}

}  // namespace lp::internal
