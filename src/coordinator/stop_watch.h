#ifndef LP_SRC_COORDINATOR_STOP_WATCH_H_
#define LP_SRC_COORDINATOR_STOP_WATCH_H_

// A worker's open WatchStop stream: how it learns, within milliseconds and without
// polling, that its node may start, that the program stops, that other nodes ended, or
// that its coordinator is gone.
//
// The stream carries a start notice (every worker the launch waits for is ready), a
// notice per node that ended while the program runs, requests for this process's metrics
// (when someone collects the program's), then one stop notice, its last. If it ends
// without one, the coordinator is lost: the launcher died (its sockets are closed by the
// kernel, even on SIGKILL) or the network was cut (noticed by HTTP/2 keepalive pings on
// the channel).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "lp/context.h"
#include "lp/coordinator.grpc.pb.h"

namespace lp::internal {

// Thread safety: construct and destroy on any thread but one running a completion of the
// ClientQueue (through which the stream is read); the callbacks run on the watch's own
// thread, in the order of the stream: on_start at most once, on_nodes_ended and
// on_metrics_requested any number of times, then on_stop or on_lost at most once, never
// both. They may block and may call the CoordinatorClient, but must not destroy the
// StopWatch (or the client owning it).
class StopWatch {
 public:
  using OnStop = std::function<void(const std::string& reason)>;
  using OnLost = std::function<void(const absl::Status& why)>;
  using OnNodesEnded =
      std::function<void(const std::vector<NodeId>& nodes, const std::string& how)>;
  using OnStart = std::function<void()>;
  using OnMetricsRequested = std::function<void(std::uint64_t collection)>;

  // Opens the stream at once. `stub` must outlive the watch; `target` names the
  // coordinator in messages. Any callback may be null.
  StopWatch(coordinator::Coordinator::Stub* stub, const std::string& token,
            std::string target, const NodeId& node, OnStop on_stop, OnLost on_lost,
            OnNodesEnded on_nodes_ended = nullptr, OnStart on_start = nullptr,
            OnMetricsRequested on_metrics_requested = nullptr);

  // Closes the stream. A callback already running is waited for; one not yet started
  // never runs.
  ~StopWatch();

  StopWatch(const StopWatch&) = delete;
  StopWatch& operator=(const StopWatch&) = delete;

  // True once the stop notice has arrived (on_stop may still be about to run, or running).
  bool HeardStop();

  // How often the callbacks' thread, while it has nothing to run, looks whether a
  // completion blocks the ClientQueue through which the stream is read (an OnReady
  // callback that waits, against its rule), to poll past it: the stop is heard within
  // about twice this even then.
  static constexpr std::chrono::milliseconds kBlockedCompletionLook{500};

 private:
  class Reader;
  enum class Outcome { kPending, kStopped, kLost, kClosed };

  // Records how the watch ended; only the first outcome counts.
  void Settle(Outcome outcome, std::string reason, absl::Status why);
  // Queues a node-ended notice for the watch's thread (ignored once settled).
  void AddEnded(std::vector<NodeId> nodes, std::string how);
  // Queues the start for the watch's thread (ignored once settled).
  void AddStart();
  // Queues a metrics request for the watch's thread (ignored once settled).
  void AddMetricsRequest(std::uint64_t collection);
  // The watch's thread: runs on_start, on_nodes_ended for each notice, then the outcome's
  // callback.
  void RunCallbacks();

  const std::string target_;
  const OnStop on_stop_;
  const OnLost on_lost_;
  const OnNodesEnded on_nodes_ended_;
  const OnStart on_start_;
  const OnMetricsRequested on_metrics_requested_;

  std::mutex mu_;
  // Notified under mu_ when outcome_ leaves kPending, ended_ or metrics_requests_ grows,
  // or start_ is set.
  std::condition_variable settled_;
  // Guarded by mu_:
  bool start_ = false;  // the start came and on_start has not run yet
  std::deque<std::pair<std::vector<NodeId>, std::string>> ended_;  // not yet told
  std::deque<std::uint64_t> metrics_requests_;                     // not yet answered
  Outcome outcome_ = Outcome::kPending;
  std::string reason_;
  absl::Status why_;

  // Last, with the callbacks' thread: the reader's thread starts once everything above
  // is ready.
  std::unique_ptr<Reader> reader_;
  std::thread thread_;
};

}  // namespace lp::internal

#endif  // LP_SRC_COORDINATOR_STOP_WATCH_H_
