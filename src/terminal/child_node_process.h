#ifndef LP_SRC_TERMINAL_CHILD_NODE_PROCESS_H_
#define LP_SRC_TERMINAL_CHILD_NODE_PROCESS_H_

#include "src/process/spawn.h"
#include "src/terminal/node_process.h"

namespace lp::internal {

// A node that is a direct child of the launcher (current_terminal, output_to_files):
// reaped with waitpid on its pid. Destroying it while the node runs kills its process
// tree and reaps it.
class ChildNodeProcess : public NodeProcess {
 public:
  explicit ChildNodeProcess(pid_t pid) : NodeProcess(pid) {}
  ~ChildNodeProcess() override;

 protected:
  absl::StatusOr<ExitInfo> AwaitExit(absl::Time deadline) override;
};

}  // namespace lp::internal

#endif  // LP_SRC_TERMINAL_CHILD_NODE_PROCESS_H_
