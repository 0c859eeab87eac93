#ifndef LP_SRC_LAUNCH_SUPERVISOR_H_
#define LP_SRC_LAUNCH_SUPERVISOR_H_

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "lp/internal/node_outcome.h"
#include "lp/internal/runtime.h"
#include "lp/program.h"
#include "src/coordinator/coordinator_server.h"
#include "src/launch/launcher.h"
#include "src/launch/program_outcome.h"
#include "src/status/progress_line.h"
#include "src/status/status_board.h"
#include "src/status/status_server.h"

namespace lp::internal {

class Supervisor;

// What one launch type does differently: how it runs the program's nodes (threads of
// this process, worker processes, srun tasks on a cluster), how it kills what outlived
// the termination notice, and what it can tell about a failed node.
//
// A backend runs *units*: what it can watch end and kill. A unit runs one node (a thread,
// a worker) or several (a group's srun). The backend tells the supervisor when a unit
// starts and ends, and how each node ended; the supervisor decides the rest.
//
// Thread safety: Start() is called once, on the launching thread; Kill() on the
// supervisor's thread; Join() and DescribeFailure() on a thread in Wait(). The backend's
// own threads may call the supervisor's methods at any time until Join() returns.
class SupervisorBackend {
 public:
  virtual ~SupervisorBackend() = default;

  // Starts the program's nodes. Calls supervisor.UnitStarted() for each unit before that
  // unit can end. On error, nothing it started is left running.
  virtual absl::Status Start(Supervisor& supervisor) = 0;
  // Whether nodes are threads of this process. They cannot be killed, so a straggler ends
  // the whole process; and a colocation's inner threads may outlive it.
  virtual bool RunsNodesAsThreads() const { return false; }
  // Kills the running `units`, which outlived the termination notice. Their ends still
  // arrive through Supervisor::UnitEnded(). Never called when RunsNodesAsThreads().
  virtual void Kill(const std::set<std::string>& units) = 0;
  // Joins every thread the backend started. Called once, after every unit ended.
  virtual void Join() = 0;
  // The message that names a failed node for the user: "node g/i failed: <cause>", with
  // what else the backend knows (its host, how its process exited, its last output).
  // Called after Join().
  virtual std::string DescribeFailure(const NodeId& node, const std::string& cause) = 0;
  // The node's last lines of output, oldest first, if the backend captures them. Called
  // from the status server's threads at any time.
  virtual std::vector<std::string> LastOutputLines(const NodeId&) { return {}; }
};

// One running program, whatever runs its nodes: what every launch type shares, done
// once. It owns the program's runtime, counts the backend's running units, judges how
// each node ended (ProgramOutcome's rules, so a failure, a stop and a consequence of
// either mean the same everywhere), stops the program when a node fails or the last unit
// ends, turns SIGINT/SIGTERM into a stop, gives what runs after a stop the termination
// notice and then has the backend kill it, tells the other nodes that a node has gone
// (so that calls to it fail fast), and reports the outcome: through Wait(), to the
// running test under test_mt/test_mp, and on stderr for stragglers.
//
// Life of a launch: construct, Start() once, then Wait()/WaitFor()/Stop() from any thread;
// the destructor stops and waits.
//
// Thread safety: every public method may be called from any thread, except Start() (once,
// by the launching thread).
class Supervisor : public Launcher {
 public:
  Supervisor(Program program, ResolvedLaunchOptions options,
             std::unique_ptr<SupervisorBackend> backend);
  ~Supervisor() override;

  // Starts the status server (if asked for) and the backend; an error is also the
  // launch's outcome (Wait() returns it).
  absl::Status Start();

  absl::Status Wait() override;
  // Whether every unit ended within `timeout`.
  bool WaitFor(absl::Duration timeout) override;
  void Stop() override;

  // ---- For the backend ----

  Program& program() { return program_; }
  const ResolvedLaunchOptions& options() const { return options_; }
  const std::shared_ptr<Runtime>& runtime() const { return runtime_; }
  bool RunsNodesAsThreads() const { return backend_->RunsNodesAsThreads(); }

  // What the status page shows; the backend tells it what only it knows (a worker's exit
  // code).
  StatusBoard& status() { return *status_; }
  // The board, for what may outlive this supervisor (a colocation's thread).
  std::shared_ptr<StatusBoard> StatusRecorder() const { return status_; }
  // The status server's address, once it serves ("http://127.0.0.1:port/").
  std::string StatusUrl() const override;
  // The node's last `count` lines of output, if the backend captures them.
  std::vector<std::string> LastOutputLines(const NodeId& node, size_t count);
  // Adds to `hooks` what the status board learns from the coordinator: registrations,
  // start, addresses, exit reports (of inner nodes too). Call before starting it.
  void WatchCoordinator(CoordinatorHooks& hooks);

  // The coordinator the backend started, if it has one (process launches): the stop is
  // broadcast through it, a node's lp::Stop() counts as soon as it has heard of it, the
  // other nodes learn through it that a node has gone, and Wait() shuts it down. Call
  // during Start(), before any worker runs.
  void UseCoordinator(std::shared_ptr<CoordinatorServer> coordinator);
  const std::shared_ptr<CoordinatorServer>& coordinator() const { return coordinator_; }

  // `unit` runs `nodes`. Call before the unit can end.
  void UnitStarted(const std::string& unit, std::vector<NodeId> nodes);
  // `unit` has ended, and with it the nodes it ran. The last one to end stops the program
  // (so that stop handlers run, and threads waiting for the stop are released).
  void UnitEnded(const std::string& unit);

  // Records how `node` ended and stops the program if that fails it. May come before
  // the node's unit ends (a worker's early exit report), and more than once: the first
  // record counts.
  void RecordNodeEnd(const NodeId& node, const NodeOutcome& outcome);
  // RecordNodeEnd as a function that may outlive this supervisor (a colocation's thread
  // may report after the launch is gone), for Runtime::report_failure. It does not
  // consult the coordinator: for launches without one.
  std::function<void(const NodeId&, const NodeOutcome&)> NodeEndRecorder() const;
  // `node` is no longer running, though its unit may be (a task that reported its exit).
  // Returns false if that was known already.
  bool MarkNodeGone(const NodeId& node);
  // The program failed to start after Start() returned (a job refused by Slurm, pending
  // too long): the launch's outcome, unless a node failed first, which is the cause then.
  void RecordLateLaunchError(absl::Status error);

  // Whether the program is stopping: its stop event is set, or the coordinator has heard
  // a node's lp::Stop() (which it does before this process's stop event is set).
  bool Stopping() const;
  // Whether the stragglers are being killed: a unit ending now is one of them.
  bool Killing() const;
  // Waits until a stop was requested or every unit ended, or `timeout`. True if so.
  bool WaitForStopOrEnd(absl::Duration timeout);

  // `node` ended (`how`) while the program goes on: calls to it (and to the inner nodes
  // that went with it) fail fast from now on, in every process. Nothing once stopping.
  void AnnounceNodeEnded(const NodeId& node, const std::string& how);

 private:
  // Shared with the stop handler, which may run on another thread while this supervisor
  // is being destroyed.
  struct State {
    std::mutex mu;
    std::condition_variable changed;  // notified under mu whenever a field changes
    // Guarded by mu:
    // The units still running, with their nodes, in the order they started.
    std::vector<std::pair<std::string, std::vector<NodeId>>> running;
    std::set<std::string> gone;                          // nodes known to have ended
    bool stop_requested = false;
    bool started = false;  // every unit was started (or the launch gave up)
    bool killing = false;
    ProgramOutcome outcome;
  };

  // Records how `node` ended in `state` and on `board`; returns whether that fails the
  // program.
  static bool Record(State& state, StatusBoard& board, const NodeId& node,
                     const NodeOutcome& outcome, bool stopping);
  // Serves the status page if the options ask for it; fails if its port cannot be bound.
  absl::Status StartStatusServer();
  // Enforces the termination notice once a stop has been requested.
  void Supervise();
  // Called with state_->mu held.
  void KillStragglers(std::unique_lock<std::mutex>& lock);
  [[noreturn]] void ExitWithStragglers();

  Program program_;
  const ResolvedLaunchOptions options_;
  const std::shared_ptr<Runtime> runtime_;
  const std::unique_ptr<SupervisorBackend> backend_;
  const std::shared_ptr<State> state_;
  // Shared with the stop handler and NodeEndRecorder(), which may outlive this.
  const std::shared_ptr<StatusBoard> status_;
  std::shared_ptr<CoordinatorServer> coordinator_;  // set during Start()
  // The status server and the terminal's progress line, when asked for; set in Start().
  std::unique_ptr<StatusSource> status_source_;
  std::unique_ptr<StatusServer> status_server_;
  std::unique_ptr<ProgressLine> progress_;

  std::mutex join_mu_;  // serializes starting and joining, so concurrent Wait() is safe
  // Guarded by join_mu_:
  std::thread supervisor_;
  int signal_subscription_ = 0;
  bool joined_ = false;
  bool failure_reported_ = false;  // to the running test (test_mt, test_mp), once
  bool summary_printed_ = false;
};

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_SUPERVISOR_H_
