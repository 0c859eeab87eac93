#ifndef LP_SRC_CORE_SIGNAL_WATCHER_H_
#define LP_SRC_CORE_SIGNAL_WATCHER_H_

#include <functional>
#include <memory>

#include "lp/internal/runtime.h"

namespace lp::internal {

// Turns SIGINT and SIGTERM into stop requests for the programs launched in this process.
//
// The signal handler only writes the signal number to a pipe (async-signal-safe); a
// watcher thread reads it and calls the subscribers, so stop handlers run on a normal
// thread. A second SIGINT while a stop is under way kills the process at once (exit code
// 130), as a user pressing Ctrl+C twice expects; SIGINTs within 100 ms of the first are
// that first key press delivered twice, and are ignored (see ctrl_c_presses.h). The
// handlers are installed while at least one subscription exists; the previous
// dispositions come back after the last ends.
//
// Thread safety: Subscribe/Unsubscribe may be called from any thread.
class SignalWatcher {
 public:
  using Callback = std::function<void(int signal_number)>;

  // Returns an id for Unsubscribe.
  static int Subscribe(Callback callback);
  static void Unsubscribe(int id);
};

// What a launcher subscribes: SIGINT/SIGTERM stop `runtime`'s program, saying so on
// stderr. Returns the subscription id.
int StopProgramOnSignals(std::shared_ptr<Runtime> runtime);

}  // namespace lp::internal

#endif  // LP_SRC_CORE_SIGNAL_WATCHER_H_
