#ifndef LP_SRC_LAUNCH_PROCESS_BACKEND_H_
#define LP_SRC_LAUNCH_PROCESS_BACKEND_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "src/launch/supervisor.h"
#include "src/launch/worker_starter.h"
#include "src/terminal/terminal.h"

namespace lp::internal {

// local_mp and test_mp: every top-level node its own worker process (the user's binary
// run again), each its own unit.
//
// Start() starts the coordinator (loopback, port 0, a fresh token), the terminal, and one
// worker per node (worker_command.h: the same command line, the group's resources, the
// worker variables; forked by a fork server where one applies, worker_starter.h). One
// thread handles the workers' ends as their NodeProcesses tell of them
// (NodeProcess::NotifyWhenEnded: no thread per forked worker). A failing worker
// reports before it exits, through the coordinator, so its own account (an exception's
// message) is recorded before the failures of the calls it breaks. Stragglers are killed
// with SIGKILL (their process trees go with them: die_with_parent.h).
//
// Thread safety: as SupervisorBackend's.
class ProcessBackend : public SupervisorBackend {
 public:
  absl::Status Start(Supervisor& supervisor) override;
  void Kill(const std::set<std::string>& units) override;
  void Join() override;
  std::string DescribeFailure(const NodeId& node, const std::string& cause) override;
  std::vector<std::string> LastOutputLines(const NodeId& node) override;

 private:
  // Runs on ends_thread_ until Join(): handles each worker's end as it is told of it.
  void HandleEnds();
  // What a worker's end means: recorded, announced, its unit ended.
  void WorkerEnded(const NodeId& id, NodeProcess& process);

  Supervisor* supervisor_ = nullptr;  // set by Start()
  // "group/index" of the nodes that have a worker; inner nodes of colocations are their
  // colocation's to judge (it may restart them).
  std::set<std::string> top_level_;
  std::unique_ptr<Terminal> terminal_;
  // terminal_ once it is made, for the status server's threads (which start first).
  std::atomic<Terminal*> terminal_ready_{nullptr};
  // Declared before processes_, whose ends they queue (NotifyWhenEnded).
  std::mutex ends_mu_;
  std::condition_variable ends_changed_;  // notified under ends_mu_
  // Guarded by ends_mu_: the workers whose end is known and not yet handled, and whether
  // Join() was called (every unit ended: nothing more will come).
  std::deque<std::pair<NodeId, NodeProcess*>> ended_;
  bool joining_ = false;
  // Holds the fork servers; declared before processes_, so that the workers' processes
  // are destroyed (killed if still running) before their servers.
  std::unique_ptr<WorkerStarter> starter_;
  // Fixed once Start() returns:
  std::vector<std::pair<NodeId, std::unique_ptr<NodeProcess>>> processes_;

  std::mutex mu_;
  std::map<std::string, std::string> exits_;  // guarded by mu_: how failed workers exited

  std::thread ends_thread_;  // HandleEnds; started by Start(), last: it uses the above
};

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_PROCESS_BACKEND_H_
