#ifndef LP_SRC_TERMINAL_NODE_PROCESS_H_
#define LP_SRC_TERMINAL_NODE_PROCESS_H_

#include <sys/types.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "src/process/exit_info.h"

namespace lp::internal {

// One node's process, as launched by a Terminal: the launcher learns its pid, waits for
// its end and kills it through this, whatever the terminal kind.
//
// What pid() is, and how the exit is observed, depends on the kind:
//   current_terminal, output_to_files: the worker itself, a child of the launcher in its
//     own process group, reaped with waitpid.
//   tmux_session: a wrapper shell in the node's pane (not a child of the launcher), whose
//     child is the worker; it writes the worker's "$?" to a file. Kill signals the
//     worker's tree and lets the wrapper record the status.
//   xterm, gnome-terminal: a small wrapper shell inside the window, whose child is the
//     worker; the wrapper writes the worker's "$?" to a file (128+N means signal N).
//
// Thread safety: every method may be called from any thread. Several threads may wait at
// once; all of them get the same ExitInfo. Synchronized with std::mutex and
// std::condition_variable, not absl::Mutex: Debian's Abseil is not built for
// ThreadSanitizer, so TSan cannot see the ordering an absl::Mutex provides.
class NodeProcess {
 public:
  NodeProcess(const NodeProcess&) = delete;
  NodeProcess& operator=(const NodeProcess&) = delete;
  // Subclasses kill the node's process tree if it has not been seen to end: no node
  // outlives the launcher that forgot it. Then this joins NotifyWhenEnded's thread.
  virtual ~NodeProcess();

  pid_t pid() const { return pid_; }

  // Blocks until the node has ended or `deadline` passes (DeadlineExceeded). Other
  // errors mean the end was seen but its cause cannot be known (a terminal window closed
  // by the user, a tmux pane killed); the node is gone all the same.
  absl::StatusOr<ExitInfo> WaitForExit(absl::Time deadline);

  // True once WaitForExit has seen the end.
  bool HasExited() const;

  // Calls `ended` once, as soon as the node's end is known: WaitForExit then returns at
  // once. Call at most once. By default a thread of this object's own waits for the end
  // (WaitForExit) and calls it; kinds that hear of their ends without waiting have none (a
  // forked worker: its fork server's report, on the thread that reads the reports), so
  // that a launcher of a thousand workers need not run a thousand threads. `ended` may run
  // on any thread, the caller's included if the end is known already; it must be quick
  // and must not destroy this object. It does not run once the destructor returned.
  virtual void NotifyWhenEnded(std::function<void()> ended);

  // Sends `signal` to the node's whole process tree (KillProcessTree). Does not wait.
  // Nothing once the end was seen (the pid may be reused).
  void Kill(int signal);

 protected:
  explicit NodeProcess(pid_t pid) : pid_(pid) {}

  // The processes whose trees Kill signals: the node's process itself, unless a terminal
  // must spare a wrapper around it.
  virtual std::vector<pid_t> KillRoots() const { return {pid_}; }

  // Waits for the end until `deadline`. Called by one thread at a time, and never again
  // once it returned an ExitInfo.
  virtual absl::StatusOr<ExitInfo> AwaitExit(absl::Time deadline) = 0;

 private:
  const pid_t pid_;
  mutable std::mutex mu_;
  // Notified (all) under mu_ whenever waiting_ or exit_ changes.
  std::condition_variable settled_;
  // Guarded by mu_:
  bool waiting_ = false;  // a thread is inside AwaitExit
  std::optional<ExitInfo> exit_;
  // NotifyWhenEnded's, by default (set once, by the thread that calls it).
  std::thread notifier_;

  friend void KillNodeProcesses(const std::vector<NodeProcess*>& processes, int signal);
};

// Kill(signal) on every process of `processes`, with one scan of /proc for all their trees
// rather than one each (KillProcessTrees): what a launcher killing its stragglers calls.
void KillNodeProcesses(const std::vector<NodeProcess*>& processes, int signal);

}  // namespace lp::internal

#endif  // LP_SRC_TERMINAL_NODE_PROCESS_H_
