#include "src/coordinator/stop_watch.h"

#include <grpcpp/client_context.h>
#include <grpcpp/support/async_stream.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "src/coordinator/token.h"
#include "src/coordinator/wire.h"
#include "src/courier/rpc/client_queue.h"
#include "src/courier/rpc/grpc_status.h"
#include "src/courier/rpc/tsan_edge.h"

namespace lp::internal {

// The gRPC side of the watch: reads the stream with gRPC's asynchronous API, on the
// process's ClientQueue, and only records what arrives in the StopWatch, whose own thread
// runs the user's callbacks, so that those may block without holding up the reading.
//
// Not a thread of its own blocked in a read of gRPC's synchronous API, which this used to
// be: with gRPC's epoll1 poller, one thread of the process polls the sockets at a time,
// and each thread waiting in a completion queue takes that role in turn, so the reading
// thread was woken once or twice per call of an actor that waits for its Futures, to
// poll their replies for it (docs/performance.md, "The stop watch reads on the reply
// queue"). Not gRPC's callback API either, which this was first: a process that uses it
// at all runs gRPC's two callback threads, which wake about ten times a second each
// however idle the process is (docs/performance.md, "A worker without gRPC's callback
// threads").
//
// Thread safety: Complete() runs on whichever thread polls the ClientQueue, one step of
// the stream at a time (each step is started by the one before); the destructor may run
// on any thread but one running a completion of the ClientQueue.
class StopWatch::Reader final : public rpc::ClientQueue::Completion {
 public:
  Reader(StopWatch* watch, coordinator::Coordinator::Stub* stub, const std::string& token,
         const NodeId& node)
      : watch_(watch) {
    context_.AddMetadata(kTokenMetadataKey, token);
    *request_.mutable_node() = ToProto(node);
    stream_ = stub->PrepareAsyncWatchStop(&context_, request_, rpc::ClientQueue::Get().queue());
    rpc::TsanEdge();  // for the thread that completes the step
    stream_->StartCall(static_cast<Completion*>(this));
  }

  // Ends the stream and waits until its last step has completed, polling the queue itself
  // (past a completion that blocks it, as the watch's thread did) rather than relying on
  // another thread to.
  ~Reader() {
    context_.TryCancel();
    rpc::ClientQueue& queue = rpc::ClientQueue::Get();
    const auto finished = [this] {
      std::lock_guard<std::mutex> lock(mu_);
      return finished_;
    };
    uint64_t last_look = 0;
    while (!queue.WaitDriving(absl::Now() + absl::FromChrono(kBlockedCompletionLook),
                              finished)) {
      queue.PollPastABlockedCompletion(last_look, finished);
    }
  }

  void Complete(bool ok) override {
    if (stage_ == Stage::kFinishing) {
      // Ignored if the stop already arrived or the watch was closed.
      watch_->Settle(Outcome::kLost, "", rpc::ToAbslStatus(status_));
      std::lock_guard<std::mutex> lock(mu_);
      finished_ = true;
      return;
    }
    if (stage_ == Stage::kReading && ok) Record(notice_);
    stage_ = ok ? Stage::kReading : Stage::kFinishing;
    rpc::TsanEdge();  // for the thread that completes the next step
    if (ok) {
      stream_->Read(&notice_, static_cast<Completion*>(this));
    } else {
      stream_->Finish(&status_, static_cast<Completion*>(this));
    }
  }

 private:
  enum class Stage { kStarting, kReading, kFinishing };

  void Record(const coordinator::StopNotice& notice) {
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

  StopWatch* const watch_;
  grpc::ClientContext context_;
  coordinator::WatchStopRequest request_;
  std::unique_ptr<grpc::ClientAsyncReaderInterface<coordinator::StopNotice>> stream_;
  // Written by one step's completion, read by the next's (gRPC orders them).
  Stage stage_ = Stage::kStarting;
  coordinator::StopNotice notice_;
  grpc::Status status_;
  std::mutex mu_;
  bool finished_ = false;  // guarded by mu_: the last step has completed
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
  uint64_t last_look = 0;  // at the ClientQueue, for PollPastABlockedCompletion
  for (;;) {
    std::unique_lock lock(mu_);
    const auto notice_came = [this] {
      return outcome_ != Outcome::kPending || start_ || !ended_.empty() ||
             !metrics_requests_.empty();
    };
    while (!settled_.wait_for(lock, kBlockedCompletionLook, notice_came)) {
      // The stream is read through the ClientQueue: a completion that blocks there would
      // keep this watch from hearing the stop. Polling past it, this thread comes back to
      // run what a notice asks (on_stop may be what the blocked completion waits for).
      lock.unlock();
      rpc::ClientQueue::Get().PollPastABlockedCompletion(last_look, [&] {
        std::lock_guard<std::mutex> relock(mu_);
        return notice_came();
      });
      lock.lock();
    }
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
