#ifndef LP_SRC_LAUNCH_LOCAL_MT_LAUNCHER_H_
#define LP_SRC_LAUNCH_LOCAL_MT_LAUNCHER_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "lp/program.h"
#include "src/core/in_process_address_book.h"
#include "src/core/launcher.h"
#include "src/launch/program_outcome.h"

namespace lp::internal {

// local_mt and test_mt: every node a thread of this process.
//
// Life of a launch: Start() attaches the runtime to every node's handles and starts one
// thread per node. The program stops when a node calls lp::Stop(), when a node fails,
// on SIGINT/SIGTERM (if handled), through Stop(), or when the last node ends. Threads
// cannot be killed, so a node still running `termination_notice` after the stop request
// makes the process print the stragglers and exit with kExitStragglers.
//
// Thread safety: Wait/WaitFor/Stop may be called from any thread.
class LocalMtLauncher : public Launcher {
 public:
  LocalMtLauncher(Program program, ResolvedLaunchOptions options);
  ~LocalMtLauncher() override;

  // Starts every node. Call once, right after construction.
  void Start();

  absl::Status Wait() override;
  bool WaitFor(absl::Duration timeout) override;
  void Stop() override;

 private:
  struct State;
  void RunTopLevelNode(const std::shared_ptr<NodeImpl>& node);
  // Records how `id` ended (ProgramOutcome's rules) and stops the program if that fails
  // it. `ended`: the node's thread is done (not just an early failure report).
  static void RecordNodeEnd(State& state, StopState& stop, const NodeId& id,
                            const NodeOutcome& outcome, bool ended);
  // Watches the termination notice once a stop has been requested.
  void Supervise();
  // Called with state_->mu held.
  [[noreturn]] void ExitWithStragglers();

  Program program_;
  const ResolvedLaunchOptions options_;
  std::shared_ptr<InProcessAddressBook> addresses_;
  std::shared_ptr<Runtime> runtime_;

  // What threads outside the launcher's control (stop handlers, the signal watcher) may
  // touch: shared, so that it outlives the launcher if they are still running.
  struct State {
    std::mutex mu;
    std::condition_variable changed;  // notified under mu: running or stop_requested changed
    // Guarded by mu:
    std::vector<NodeId> running;
    bool stop_requested = false;
    ProgramOutcome outcome;
    bool failure_reported = false;  // to the running test (test_mt), once
  };
  const std::shared_ptr<State> state_;

  std::mutex join_mu_;  // serializes starting and joining, so concurrent Wait() is safe
  // Guarded by join_mu_:
  std::vector<std::thread> threads_;
  std::thread supervisor_;
  int signal_subscription_ = 0;
};

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_LOCAL_MT_LAUNCHER_H_
