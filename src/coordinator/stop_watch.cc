#include "src/coordinator/stop_watch.h"

#include <grpcpp/client_context.h>
#include <grpcpp/support/sync_stream.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "src/coordinator/token.h"
#include "src/coordinator/wire.h"
#include "src/courier/rpc/grpc_status.h"

namespace lp::internal {

// The gRPC side of the watch: a thread that reads the stream with gRPC's synchronous
// API and only records what arrives in the StopWatch, whose own thread runs the user's
// callbacks, so that those may block without holding up the reading. Not gRPC's callback
// API, which this used to be: a process that uses it at all runs gRPC's two callback
// threads, which wake about ten times a second each however idle the process is, and
// every worker has a watch (docs/performance.md, "A worker without gRPC's callback
// threads").
class StopWatch::Reader {
 public:
  Reader(StopWatch* watch, coordinator::Coordinator::Stub* stub, const std::string& token,
         const NodeId& node)
      : watch_(watch) {
    context_.AddMetadata(kTokenMetadataKey, token);
    *request_.mutable_node() = ToProto(node);
    thread_ = std::thread([this, stub] { Read(stub); });
  }

  // Ends the stream, whether or not the thread has opened it yet (a ClientContext
  // cancelled before its call starts cancels the call when it does), and joins the thread.
  ~Reader() {
    context_.TryCancel();
    thread_.join();
  }

 private:
  void Read(coordinator::Coordinator::Stub* stub) {
    std::unique_ptr<grpc::ClientReader<coordinator::StopNotice>> stream =
        stub->WatchStop(&context_, request_);
    coordinator::StopNotice notice;
    while (stream->Read(&notice)) {
      if (notice.start()) {
        watch_->AddStart();
      } else if (notice.report_metrics() != 0) {
        watch_->AddMetricsRequest(notice.report_metrics());
      } else if (notice.ended_size() > 0) {
        std::vector<NodeId> nodes;
        for (const coordinator::NodeId& node : notice.ended()) nodes.push_back(FromProto(node));
        watch_->AddEnded(std::move(nodes), notice.ended_how());
      } else {
        // The stop is the last notice; the server then ends the stream.
        watch_->Settle(Outcome::kStopped, notice.reason(), absl::OkStatus());
      }
    }
    // Ignored if the stop already arrived or the watch was closed.
    watch_->Settle(Outcome::kLost, "", rpc::ToAbslStatus(stream->Finish()));
  }

  StopWatch* const watch_;
  grpc::ClientContext context_;
  coordinator::WatchStopRequest request_;
  std::thread thread_;  // last: starts once everything above is ready
};

StopWatch::StopWatch(coordinator::Coordinator::Stub* stub, const std::string& token,
                     std::string target, const NodeId& node, OnStop on_stop, OnLost on_lost,
                     OnNodesEnded on_nodes_ended, OnStart on_start,
                     OnMetricsRequested on_metrics_requested)
    : target_(std::move(target)),
      on_stop_(std::move(on_stop)),
      on_lost_(std::move(on_lost)),
      on_nodes_ended_(std::move(on_nodes_ended)),
      on_start_(std::move(on_start)),
      on_metrics_requested_(std::move(on_metrics_requested)),
      reader_(std::make_unique<Reader>(this, stub, token, node)) {
  thread_ = std::thread([this] { RunCallbacks(); });
}

StopWatch::~StopWatch() {
  Settle(Outcome::kClosed, "", absl::OkStatus());
  reader_.reset();
  thread_.join();
}

void StopWatch::Settle(Outcome outcome, std::string reason, absl::Status why) {
  std::lock_guard lock(mu_);
  if (outcome_ != Outcome::kPending) return;
  outcome_ = outcome;
  reason_ = std::move(reason);
  if (outcome == Outcome::kLost) {
    why_ = absl::UnavailableError(absl::StrCat(
        "lost the coordinator at ", target_,
        ": the WatchStop stream ended without a stop notice (did the launcher die, or the "
        "network between here and the launcher fail?): ",
        why.ok() ? "stream closed" : why.ToString()));
  }
  // Under the lock, as everywhere: a woken waiter may go on to destroy what we touch, so
  // nothing is touched once the lock is released.
  settled_.notify_all();
}

bool StopWatch::HeardStop() {
  std::lock_guard lock(mu_);
  return outcome_ == Outcome::kStopped;
}

void StopWatch::AddEnded(std::vector<NodeId> nodes, std::string how) {
  std::lock_guard lock(mu_);
  if (outcome_ != Outcome::kPending) return;
  ended_.emplace_back(std::move(nodes), std::move(how));
  settled_.notify_all();
}

void StopWatch::AddStart() {
  std::lock_guard lock(mu_);
  if (outcome_ != Outcome::kPending) return;
  start_ = true;
  settled_.notify_all();
}

void StopWatch::AddMetricsRequest(std::uint64_t collection) {
  std::lock_guard lock(mu_);
  if (outcome_ != Outcome::kPending) return;
  metrics_requests_.push_back(collection);
  settled_.notify_all();
}

void StopWatch::RunCallbacks() {
  Outcome outcome;
  std::string reason;
  absl::Status why;
  for (;;) {
    std::unique_lock lock(mu_);
    settled_.wait(lock, [this] {
      return outcome_ != Outcome::kPending || start_ || !ended_.empty() ||
             !metrics_requests_.empty();
    });
    // The start first: no node ran before it, so none can have ended.
    if (start_ && outcome_ != Outcome::kClosed) {
      start_ = false;
      lock.unlock();
      if (on_start_) on_start_();
      continue;
    }
    if (!ended_.empty() && outcome_ != Outcome::kClosed) {
      auto [nodes, how] = std::move(ended_.front());
      ended_.pop_front();
      lock.unlock();
      if (on_nodes_ended_) on_nodes_ended_(nodes, how);
      continue;
    }
    if (!metrics_requests_.empty() && outcome_ == Outcome::kPending) {
      const std::uint64_t collection = metrics_requests_.front();
      metrics_requests_.pop_front();
      lock.unlock();
      if (on_metrics_requested_) on_metrics_requested_(collection);
      continue;
    }
    outcome = outcome_;
    reason = reason_;
    why = why_;
    break;
  }
  if (outcome == Outcome::kStopped && on_stop_) on_stop_(reason);
  if (outcome == Outcome::kLost && on_lost_) on_lost_(why);
}

}  // namespace lp::internal
