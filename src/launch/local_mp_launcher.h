#ifndef LP_SRC_LAUNCH_LOCAL_MP_LAUNCHER_H_
#define LP_SRC_LAUNCH_LOCAL_MP_LAUNCHER_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "lp/program.h"
#include "src/coordinator/coordinator_client.h"
#include "src/coordinator/coordinator_server.h"
#include "src/core/launcher.h"
#include "src/launch/program_outcome.h"
#include "src/terminal/terminal.h"

namespace lp::internal {

// local_mp and test_mp: every node its own process, the user's binary run again.
//
// Start() starts the coordinator (loopback, port 0, a fresh token), the terminal, and one
// worker per node (worker_command.h: the same command line, the group's resources, the
// worker variables). A thread per node waits for its exit. The program stops when a
// worker asks the coordinator (lp::Stop() in a node), when a worker fails, on
// SIGINT/SIGTERM, through Stop(), or when the last worker ends; the coordinator tells every
// worker at once. Workers still running `termination_notice` after the stop are killed
// with their whole process tree and named.
//
// Thread safety: Wait/WaitFor/Stop may be called from any thread.
class LocalMpLauncher : public Launcher {
 public:
  LocalMpLauncher(Program program, ResolvedLaunchOptions options);
  ~LocalMpLauncher() override;

  // Starts everything; on error nothing is left running.
  absl::Status Start();

  absl::Status Wait() override;
  bool WaitFor(absl::Duration timeout) override;
  void Stop() override;

 private:
  // What threads outside the launcher's control (coordinator hooks, stop handlers, the
  // signal watcher) may touch: shared, so that it outlives the launcher if needed.
  struct State {
    std::mutex mu;
    std::condition_variable changed;  // notified under mu
    // Guarded by mu:
    std::set<std::string> running;  // "group/index" of the workers still alive
    std::set<std::string> killed;   // stragglers killed after the notice
    std::map<std::string, std::string> exits;  // how each ended worker exited, by node
    bool stop_requested = false;
    bool started = false;  // every worker was spawned (or the launch gave up)
    ProgramOutcome outcome;
  };

  absl::Status StartWorkers();
  void WatchWorker(const NodeId& id, NodeProcess* process);
  // Records how `id` ended (ProgramOutcome's rules) and stops the program if that fails
  // it. From a worker's exit report (as soon as it arrives) and from its exit.
  void RecordNodeEnd(const NodeId& id, const NodeOutcome& outcome);
  bool Stopping() const;
  void Supervise();
  void KillStragglers();
  std::string DescribeFailure(const NodeId& id, const std::string& cause);

  Program program_;
  const ResolvedLaunchOptions options_;
  // "group/index" of the nodes this launcher starts a worker for; inner nodes of
  // colocations are their colocation's to judge (it may restart them).
  const std::set<std::string> top_level_;
  const std::shared_ptr<State> state_;
  std::shared_ptr<Runtime> runtime_;
  std::shared_ptr<CoordinatorServer> coordinator_;  // shared with the stop handler
  std::unique_ptr<Terminal> terminal_;

  std::mutex join_mu_;  // serializes starting and joining
  // Guarded by join_mu_:
  std::vector<std::pair<NodeId, std::unique_ptr<NodeProcess>>> processes_;
  std::vector<std::thread> watchers_;
  std::thread supervisor_;
  int signal_subscription_ = 0;
  bool joined_ = false;
  bool failure_reported_ = false;  // to the running test (test_mp), once
};

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_LOCAL_MP_LAUNCHER_H_
