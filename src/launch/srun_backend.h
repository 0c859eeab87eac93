#ifndef LP_SRC_LAUNCH_SRUN_BACKEND_H_
#define LP_SRC_LAUNCH_SRUN_BACKEND_H_

#include <atomic>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "src/coordinator/exit_report.h"
#include "src/launch/supervisor.h"
#include "src/slurm/srun_command.h"
#include "src/terminal/terminal.h"

namespace lp::internal {

// slurm: every node a Slurm task; each group one srun of N identical tasks (a job of its
// own, or a step of the launcher's allocation), all running this binary again. A unit is
// a group's srun.
//
// It works like local_mp's backend -- a coordinator, its stop broadcast -- with what a
// cluster changes:
//  - The coordinator listens on every interface and pings its workers, so that a worker
//    behind a cut network is noticed (on_watch_lost) and named.
//  - A worker learns which node it runs from LP_NODE_GROUP and its task rank; where the
//    coordinator is from SLURM_LAUNCH_NODE_IPADDR (or --lp_coordinator_host).
//  - A node's end is known from its exit report (or its lost connection); a group's srun
//    ends when all of its tasks did.
//  - Stragglers are killed by ending their srun (which cancels the step) and scancel.
//  - A job that stays pending longer than --lp_slurm_pending_timeout fails the launch
//    with Slurm's reason.
//  - The launcher's own death (even SIGKILL) kills its sruns (PR_SET_PDEATHSIG), and an
//    srun that dies takes its job with it; the workers also stop themselves when they lose
//    the coordinator.
//
// Thread safety: as SupervisorBackend's.
class SrunBackend : public SupervisorBackend {
 public:
  SrunBackend();

  absl::Status Start(Supervisor& supervisor) override;
  void Kill(const std::set<std::string>& units) override;
  void Join() override;
  std::string DescribeFailure(const NodeId& node, const std::string& cause) override;
  std::vector<std::string> LastOutputLines(const NodeId& node) override;

 private:
  struct Group {
    std::string label;
    std::vector<NodeId> nodes;
    std::string job_name;
    std::unique_ptr<NodeProcess> srun;
  };

  absl::Status StartGroups();
  // The command that starts `group`: srun wrapping the worker command, with the group's
  // args and env and `worker_env` plus the group's label.
  SpawnSpec SrunCommand(const Group& group, const std::vector<std::string>& base_argv,
                        std::vector<std::pair<std::string, std::string>> worker_env) const;
  // The variable that tells tasks where the coordinator listens on `port`.
  std::pair<std::string, std::string> CoordinatorLocation(const std::string& port) const;
  std::vector<std::string> JobNames() const;
  void PrintDryRun();
  void OnExitReport(const ExitReport& report);
  void OnWatchLost(const NodeId& node);
  // Records how `node` ended, which its task reported (or was lost).
  void RecordNodeEnd(const NodeId& node, const NodeOutcome& outcome);
  void WatchGroup(Group* group);
  void WatchQueue();
  std::vector<std::string> JobIds();
  std::string HostOf(const NodeId& node) const;

  Supervisor* supervisor_ = nullptr;  // set by Start()
  const ResolvedLaunchOptions* options_ = nullptr;
  std::set<std::string> top_level_;  // "group/index" of the nodes that are tasks
  const std::optional<SlurmAllocation> allocation_;
  std::unique_ptr<Terminal> terminal_;
  // terminal_ once it is made, for the status server's threads (which start first).
  std::atomic<Terminal*> terminal_ready_{nullptr};
  // Fixed once Start() returns:
  std::vector<Group> groups_;
  std::vector<std::thread> watchers_;
  std::thread queue_watcher_;
};

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_SRUN_BACKEND_H_
