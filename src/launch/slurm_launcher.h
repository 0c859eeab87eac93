#ifndef LP_SRC_LAUNCH_SLURM_LAUNCHER_H_
#define LP_SRC_LAUNCH_SLURM_LAUNCHER_H_

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "lp/program.h"
#include "src/coordinator/coordinator_server.h"
#include "src/coordinator/exit_report.h"
#include "src/core/launcher.h"
#include "src/launch/program_outcome.h"
#include "src/slurm/srun_command.h"
#include "src/terminal/terminal.h"

namespace lp::internal {

// slurm: every node a Slurm task; each group one srun of N identical tasks (a job of its
// own, or a step of the launcher's allocation), all running this binary again.
//
// The launcher works like local_mp's — coordinator, stop broadcast, termination notice —
// with what a cluster changes:
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
// Thread safety: Wait/WaitFor/Stop may be called from any thread.
class SlurmLauncher : public Launcher {
 public:
  SlurmLauncher(Program program, ResolvedLaunchOptions options);
  ~SlurmLauncher() override;

  // Starts everything; on error nothing is left running (or queued).
  absl::Status Start();

  absl::Status Wait() override;
  bool WaitFor(absl::Duration timeout) override;
  void Stop() override;

 private:
  struct Group {
    std::string label;
    std::vector<NodeId> nodes;
    std::string job_name;
    std::unique_ptr<NodeProcess> srun;
  };

  // What the coordinator's hooks, the stop handler and the launcher's threads share.
  struct State {
    std::mutex mu;
    std::condition_variable changed;  // notified under mu
    // Guarded by mu:
    std::set<std::string> running_groups;
    std::set<std::string> ended_nodes;  // reported their exit, or lost
    bool stop_requested = false;
    bool killing = false;  // the stragglers are being killed
    bool started = false;  // every srun was started (or the launch gave up)
    ProgramOutcome outcome;
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
  // Records how `node` ended (ProgramOutcome's rules); stops the program if that fails it.
  void RecordNodeEnd(const NodeId& node, const NodeOutcome& outcome);
  void FailNode(const NodeId& node, std::string cause);
  void WatchGroup(Group* group);
  void WatchQueue();
  void Supervise();
  void KillStragglers();
  std::vector<std::string> JobIds();
  std::string HostOf(const NodeId& node) const;
  // A node failure's message, with its host and its own last output lines.
  std::string Describe(const NodeId& node, const std::string& cause);

  Program program_;
  const ResolvedLaunchOptions options_;
  const std::set<std::string> top_level_;  // "group/index" of the nodes that are tasks
  const std::shared_ptr<State> state_;
  std::shared_ptr<Runtime> runtime_;
  std::optional<SlurmAllocation> allocation_;
  std::shared_ptr<CoordinatorServer> coordinator_;
  std::unique_ptr<Terminal> terminal_;
  std::vector<Group> groups_;  // fixed once Start() returns

  std::mutex join_mu_;  // serializes starting and joining
  // Guarded by join_mu_:
  std::vector<std::thread> watchers_;
  std::thread queue_watcher_;
  std::thread supervisor_;
  int signal_subscription_ = 0;
  bool joined_ = false;
};

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_SLURM_LAUNCHER_H_
