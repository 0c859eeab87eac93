#include "src/coordinator/stop_watch.h"

#include <grpcpp/client_context.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "lp/event.h"
#include "src/coordinator/token.h"
#include "src/coordinator/wire.h"
#include "src/courier/rpc/grpc_status.h"

namespace lp::internal {

// The gRPC side of the watch. gRPC calls it on its own threads; it only records the
// outcome in the StopWatch, whose thread runs the user's callbacks, so that those may
// block without holding up gRPC.
class StopWatch::Reactor final : public grpc::ClientReadReactor<coordinator::StopNotice> {
 public:
  Reactor(StopWatch* watch, const std::string& token, const NodeId& node) : watch_(watch) {
    context_.AddMetadata(kTokenMetadataKey, token);
    *request_.mutable_node() = ToProto(node);
  }

  void Start(coordinator::Coordinator::Stub* stub) {
    stub->async()->WatchStop(&context_, &request_, this);
    StartRead(&notice_);
    StartCall();
  }

  void Cancel() { context_.TryCancel(); }
  void AwaitDone() { done_.Wait(); }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ended: OnDone says how
    if (notice_.start()) {
      watch_->AddStart();
      StartRead(&notice_);
      return;
    }
    if (notice_.report_metrics() != 0) {
      watch_->AddMetricsRequest(notice_.report_metrics());
      StartRead(&notice_);
      return;
    }
    if (notice_.ended_size() > 0) {
      std::vector<NodeId> nodes;
      for (const coordinator::NodeId& node : notice_.ended()) nodes.push_back(FromProto(node));
      watch_->AddEnded(std::move(nodes), notice_.ended_how());
      StartRead(&notice_);
      return;
    }
    // The stop is the last notice; the server ends the stream.
    watch_->Settle(Outcome::kStopped, notice_.reason(), absl::OkStatus());
  }

  void OnDone(const grpc::Status& status) override {
    // Ignored if the stop already arrived or the watch was closed.
    watch_->Settle(Outcome::kLost, "", rpc::ToAbslStatus(status));
    done_.Notify();  // last: the StopWatch may destroy us once this returns
  }

 private:
  StopWatch* const watch_;
  grpc::ClientContext context_;
  coordinator::WatchStopRequest request_;
  coordinator::StopNotice notice_;
  Event done_;
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
      reactor_(std::make_unique<Reactor>(this, token, node)) {
  reactor_->Start(stub);
  thread_ = std::thread([this] { RunCallbacks(); });
}

StopWatch::~StopWatch() {
  Settle(Outcome::kClosed, "", absl::OkStatus());
  reactor_->Cancel();
  reactor_->AwaitDone();
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
