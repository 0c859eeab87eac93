#include "src/terminal/child_node_process.h"

#include <signal.h>

#include "src/process/wait_for_exit.h"

namespace lp::internal {

ChildNodeProcess::~ChildNodeProcess() {
  if (HasExited()) return;
  Kill(SIGKILL);
  (void)WaitForExit(absl::InfiniteFuture());
}

absl::StatusOr<ExitInfo> ChildNodeProcess::AwaitExit(absl::Time deadline) {
  return internal::WaitForExit(pid(), deadline);
}

}  // namespace lp::internal
