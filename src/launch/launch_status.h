// What the launcher's status server shows of its launch (src/status/status_server.h):
// the board the supervisor keeps, completed with what only the running launch knows.
#ifndef LP_SRC_LAUNCH_LAUNCH_STATUS_H_
#define LP_SRC_LAUNCH_LAUNCH_STATUS_H_

#include <memory>
#include <mutex>
#include <string>

#include "lp/internal/runtime.h"
#include "lp/program.h"
#include "src/launch/launcher.h"
#include "src/status/status_board.h"
#include "src/status/status_server.h"

namespace lp::internal {

class Supervisor;

// Every node of `program` (inner ones after their colocation), starting, with its kind,
// Courier methods and colocation.
ProgramStatus InitialStatus(const Program& program, const ResolvedLaunchOptions& options,
                            const Runtime& runtime);

// Thread safety: as StatusSource's; `supervisor` outlives it.
class LaunchStatus final : public StatusSource {
 public:
  explicit LaunchStatus(Supervisor& supervisor) : supervisor_(supervisor) {}

  // The board, plus each node's last output lines and, for nodes that are threads of this
  // process, this host and pid and the addresses published in this process.
  ProgramStatus Status() override;
  absl::StatusOr<std::string> Metrics() override;
  absl::StatusOr<std::string> GraphSvg(const ProgramStatus& status) override;

 private:
  Supervisor& supervisor_;
  // The last graph drawn, and the node states it was coloured for: Graphviz runs again
  // only when a state changed (a page refreshing every second asks far more often).
  std::mutex graph_mu_;
  std::string graph_states_;  // guarded by graph_mu_
  std::string graph_svg_;     // guarded by graph_mu_
};

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_LAUNCH_STATUS_H_
