#ifndef LP_SRC_CORE_LOCAL_MT_LAUNCHER_H_
#define LP_SRC_CORE_LOCAL_MT_LAUNCHER_H_

#include <memory>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "lp/program.h"
#include "src/core/in_process_address_book.h"
#include "src/core/launcher.h"

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
  void RunNode(const std::shared_ptr<NodeImpl>& node);
  void OnNodeEnded(const NodeId& id, std::string failure);
  // Watches the termination notice once a stop has been requested.
  void Supervise();
  [[noreturn]] void ExitWithStragglers();

  Program program_;
  const ResolvedLaunchOptions options_;
  std::shared_ptr<InProcessAddressBook> addresses_;
  std::shared_ptr<Runtime> runtime_;

  absl::Mutex mu_;
  std::vector<NodeId> running_ ABSL_GUARDED_BY(mu_);
  bool stop_requested_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status outcome_ ABSL_GUARDED_BY(mu_);

  absl::Mutex join_mu_;  // serializes joining, so concurrent Wait() calls are safe
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(join_mu_);
  std::thread supervisor_ ABSL_GUARDED_BY(join_mu_);
  int signal_subscription_ ABSL_GUARDED_BY(join_mu_) = 0;
};

}  // namespace lp::internal

#endif  // LP_SRC_CORE_LOCAL_MT_LAUNCHER_H_
