#ifndef LP_SRC_COORDINATOR_STOP_WATCH_H_
#define LP_SRC_COORDINATOR_STOP_WATCH_H_

// A worker's open WatchStop stream: how it learns, within milliseconds and without
// polling, that the program stops, or that its coordinator is gone.
//
// The stream carries exactly one message, the stop notice. If it ends without one, the
// coordinator is lost: the launcher died (its sockets are closed by the kernel, even on
// SIGKILL) or the network was cut (noticed by HTTP/2 keepalive pings on the channel).

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "lp/context.h"
#include "lp/coordinator.grpc.pb.h"

namespace lp::internal {

// Thread safety: construct and destroy on any thread; the callbacks run on the watch's
// own thread, one of them at most once, never both. They may block and may call the
// CoordinatorClient, but must not destroy the StopWatch (or the client owning it).
class StopWatch {
 public:
  using OnStop = std::function<void(const std::string& reason)>;
  using OnLost = std::function<void(const absl::Status& why)>;

  // Opens the stream at once. `stub` must outlive the watch; `target` names the
  // coordinator in messages.
  StopWatch(coordinator::Coordinator::Stub* stub, const std::string& token,
            std::string target, const NodeId& node, OnStop on_stop, OnLost on_lost);

  // Closes the stream. A callback already running is waited for; one not yet started
  // never runs.
  ~StopWatch();

  StopWatch(const StopWatch&) = delete;
  StopWatch& operator=(const StopWatch&) = delete;

 private:
  class Reactor;
  enum class Outcome { kPending, kStopped, kLost, kClosed };

  // Records how the watch ended; only the first outcome counts.
  void Settle(Outcome outcome, std::string reason, absl::Status why);
  // The watch's thread: waits for the outcome and runs the matching callback.
  void RunCallback();

  const std::string target_;
  const OnStop on_stop_;
  const OnLost on_lost_;
  std::unique_ptr<Reactor> reactor_;

  std::mutex mu_;
  std::condition_variable settled_;  // notified under mu_ when outcome_ leaves kPending
  // Guarded by mu_:
  Outcome outcome_ = Outcome::kPending;
  std::string reason_;
  absl::Status why_;

  std::thread thread_;  // last: starts once everything above is ready
};

}  // namespace lp::internal

#endif  // LP_SRC_COORDINATOR_STOP_WATCH_H_
