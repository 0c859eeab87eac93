#include "src/coordinator/coordinator_service.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lp/internal/deadline_wait.h"
#include "src/coordinator/metrics_wire.h"
#include "src/coordinator/token.h"
#include "src/coordinator/wire.h"
#include "src/core/address_errors.h"
#include "src/courier/rpc/grpc_status.h"
#include "src/courier/rpc/secret.h"

namespace lp::internal {
namespace {

using coordinator::StopNotice;

// Finishes a unary call at once with `status`.
grpc::ServerUnaryReactor* Done(grpc::CallbackServerContext* context, const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(rpc::ToGrpcStatus(status));
  return reactor;
}

// A Resolve waiting in the address table. It owns itself: gRPC calls OnDone() once the
// call is over, after Finish().
class PendingResolve final : public grpc::ServerUnaryReactor, public ResolveWaiter {
 public:
  PendingResolve(AddressTable* table, coordinator::ResolveResponse* response)
      : table_(table), response_(response) {}

  void Resolved(absl::StatusOr<std::string> address) override {
    if (address.ok()) response_->set_address(*std::move(address));
    Finish(rpc::ToGrpcStatus(address.status()));
  }

  // The caller's deadline passed or it went away. Only finish if still parked: otherwise
  // whoever took us out is finishing us.
  void OnCancel() override {
    if (table_->Forget(this)) Finish(grpc::Status(grpc::StatusCode::CANCELLED, "resolve cancelled"));
  }
  void OnDone() override { delete this; }

 private:
  AddressTable* const table_;
  coordinator::ResolveResponse* const response_;
};

// An open WatchStop stream; owns itself like PendingResolve. Notices queue up, since gRPC
// takes one write at a time; gRPC is only ever called outside mu_, because a reaction may
// run inline on the calling thread (and OnDone deletes the stream).
class StopStream final : public grpc::ServerWriteReactor<StopNotice>, public StopWatcher {
 public:
  StopStream(StopBroadcast* broadcast, NodeId node,
             const std::function<void(const NodeId&)>* on_lost)
      : broadcast_(broadcast), node_(std::move(node)), on_lost_(on_lost) {}

  // Called while the stream is in the broadcast (or being put in), so it is not finished
  // (nor deleted).
  void Started() override {
    StopNotice notice;
    notice.set_start(true);
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(notice));
    }
    Pump();
  }
  void NodesEnded(const std::vector<NodeId>& nodes, const std::string& how) override {
    StopNotice notice;
    for (const NodeId& node : nodes) *notice.add_ended() = ToProto(node);
    notice.set_ended_how(how);
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(notice));
    }
    Pump();
  }
  void MetricsRequested(std::uint64_t collection) override {
    StopNotice notice;
    notice.set_report_metrics(collection);
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(notice));
    }
    Pump();
  }
  void ProgramStopped(const std::string& reason) override {
    StopNotice notice;
    notice.set_reason(reason);
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(notice));
      ending_ = grpc::Status::OK;
    }
    Pump();
  }
  void CoordinatorClosing() override {
    {
      std::lock_guard lock(mu_);
      queue_.clear();
      ending_ = grpc::Status(grpc::StatusCode::UNAVAILABLE,
                             "the coordinator is shutting down without a stop");
    }
    Pump();
  }
  void OnWriteDone(bool ok) override {
    {
      std::lock_guard lock(mu_);
      writing_ = false;
      // The stream broke: nothing more can be written. It ends once told how (OnCancel,
      // or the stop or close that is already under way).
      if (!ok) queue_.clear();
    }
    Pump();
  }
  // The worker went away (or its connection broke) while the program runs.
  void OnCancel() override {
    if (!broadcast_->Forget(this)) return;
    {
      std::lock_guard lock(mu_);
      queue_.clear();
      ending_ = grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled");
    }
    // Before Pump: once the stream is finished it may be deleted.
    if (*on_lost_) (*on_lost_)(node_);
    Pump();
  }
  void OnDone() override { delete this; }

 private:
  // Starts the next write, or finishes the stream once everything queued was written and
  // it must end. Touches nothing after calling gRPC.
  void Pump() {
    std::optional<grpc::Status> finish;
    {
      std::lock_guard lock(mu_);
      if (writing_ || finished_) return;
      if (queue_.empty()) {
        if (!ending_.has_value()) return;
        finished_ = true;
        finish = *ending_;
      } else {
        current_ = std::move(queue_.front());
        queue_.pop_front();
        writing_ = true;
      }
    }
    if (finish.has_value()) {
      Finish(*finish);
    } else {
      StartWrite(&current_);  // current_ is not touched again until OnWriteDone
    }
  }

  StopBroadcast* const broadcast_;
  const NodeId node_;
  const std::function<void(const NodeId&)>* const on_lost_;  // the service's hook
  std::mutex mu_;
  // Guarded by mu_:
  std::deque<StopNotice> queue_;
  StopNotice current_;  // being written while writing_
  bool writing_ = false;
  std::optional<grpc::Status> ending_;  // how the stream ends once the queue is written
  bool finished_ = false;
};

// A WatchStop refused before it started (bad token).
class RefusedStream final : public grpc::ServerWriteReactor<StopNotice> {
 public:
  explicit RefusedStream(const absl::Status& status) { Finish(rpc::ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

}  // namespace

CoordinatorService::CoordinatorService(
    std::string program_name, std::string fingerprint, std::vector<NodeId> nodes,
    std::string token, CoordinatorHooks hooks,
    absl::flat_hash_map<NodeId, std::vector<coordinator::NodeArguments>> arguments,
    std::vector<NodeId> start_after)
    : token_(std::move(token)),
      hooks_(std::move(hooks)),
      arguments_(std::move(arguments)),
      nodes_(std::move(program_name), std::move(fingerprint), std::move(nodes)),
      stop_(std::move(start_after)) {}

absl::Status CoordinatorService::CheckToken(const grpc::CallbackServerContext& context) const {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kTokenMetadataKey);
  if (it == metadata.end()) {
    return absl::UnauthenticatedError(absl::StrCat(
        "this call to the coordinator of program '", nodes_.program_name(),
        "' carries no token (gRPC metadata '", kTokenMetadataKey,
        "'): only processes started by this program's launcher may call it"));
  }
  if (!rpc::SecretsEqual(std::string_view(it->second.data(), it->second.size()), token_)) {
    return absl::UnauthenticatedError(absl::StrCat(
        "this call to the coordinator of program '", nodes_.program_name(),
        "' carries the wrong token: the caller belongs to another launch, or was not "
        "started by this launcher"));
  }
  return absl::OkStatus();
}

bool CoordinatorService::StopProgram(std::string reason) {
  // Tell the workers first: they are what must react quickly.
  if (!stop_.Stop(std::move(reason))) return false;
  addresses_.Close();
  if (hooks_.on_stop) hooks_.on_stop(stop_.reason());
  return true;
}

void CoordinatorService::Close() {
  stop_.Close();
  addresses_.Close();
}

grpc::ServerUnaryReactor* CoordinatorService::Register(grpc::CallbackServerContext* context,
                                                       const coordinator::RegisterRequest* request,
                                                       coordinator::RegisterResponse* response) {
  if (absl::Status ok = CheckToken(*context); !ok.ok()) return Done(context, ok);
  NodeRegistration registration;
  registration.node = FromProto(request->node());
  registration.pid = request->pid();
  registration.hostname = request->hostname();
  registration.peer = context->peer();
  registration.registered_at = absl::Now();
  const NodeId node = registration.node;
  const NodeRegistration registered = registration;
  absl::Status status = nodes_.Register(std::move(registration), request->fingerprint());
  if (status.ok() && hooks_.on_register) hooks_.on_register(registered);
  if (status.ok()) {
    response->set_program_name(nodes_.program_name());
    if (auto it = arguments_.find(node); it != arguments_.end()) {
      response->mutable_arguments()->Add(it->second.begin(), it->second.end());
    }
  }
  return Done(context, status);
}

grpc::ServerUnaryReactor* CoordinatorService::Publish(grpc::CallbackServerContext* context,
                                                      const coordinator::PublishRequest* request,
                                                      coordinator::PublishResponse*) {
  if (absl::Status ok = CheckToken(*context); !ok.ok()) return Done(context, ok);
  return Done(context, PublishAddress(FromProto(request->node()), request->endpoint(),
                                      request->address()));
}

absl::Status CoordinatorService::PublishAddress(const NodeId& node, const std::string& endpoint,
                                                const std::string& address) {
  if (absl::Status known = nodes_.CheckKnown(node); !known.ok()) return known;
  if (address.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("node ", node.ToString(),
                                                   " published an empty address for ", endpoint));
  }
  addresses_.Publish(node, endpoint, address);
  if (hooks_.on_publish) hooks_.on_publish(node, endpoint, address);
  return absl::OkStatus();
}

namespace {

// A resolve in the coordinator's own process, waited for on the calling thread.
//
// Thread safety: Resolved() may be called from any thread, once; Await() from the thread
// that parked it.
class BlockingResolve final : public ResolveWaiter {
 public:
  void Resolved(absl::StatusOr<std::string> address) override {
    std::lock_guard lock(mu_);
    address_ = std::move(address);
    done_.notify_all();
  }

  // The address once resolved, or nullopt if `deadline` passed first.
  std::optional<absl::StatusOr<std::string>> Await(absl::Time deadline) {
    std::unique_lock lock(mu_);
    WaitUntil(done_, lock, deadline, [this] { return address_.has_value(); });
    return address_;
  }

 private:
  std::mutex mu_;
  std::condition_variable done_;                      // notified under mu_
  std::optional<absl::StatusOr<std::string>> address_;  // guarded by mu_
};

}  // namespace

absl::StatusOr<std::string> CoordinatorService::ResolveAddress(const NodeId& node,
                                                               const std::string& endpoint,
                                                               absl::Time deadline) {
  if (absl::Status known = nodes_.CheckKnown(node); !known.ok()) return known;
  BlockingResolve waiter;
  if (auto now = addresses_.ResolveOrWait(node, endpoint, &waiter)) return *std::move(now);
  if (auto resolved = waiter.Await(deadline)) return *std::move(resolved);
  // The deadline passed. Unless a Publish or Close took the waiter out meanwhile (it then
  // resolves it, promptly: wait for that), it is ours to drop.
  if (addresses_.Forget(&waiter)) return NotPublishedError(node, endpoint);
  return *waiter.Await(absl::InfiniteFuture());
}

grpc::ServerUnaryReactor* CoordinatorService::Resolve(grpc::CallbackServerContext* context,
                                                      const coordinator::ResolveRequest* request,
                                                      coordinator::ResolveResponse* response) {
  if (absl::Status ok = CheckToken(*context); !ok.ok()) return Done(context, ok);
  const NodeId node = FromProto(request->node());
  // An unknown node would never publish: fail now rather than at the deadline.
  if (absl::Status known = nodes_.CheckKnown(node); !known.ok()) return Done(context, known);
  auto* pending = new PendingResolve(&addresses_, response);
  if (auto now = addresses_.ResolveOrWait(node, request->endpoint(), pending)) {
    pending->Resolved(*std::move(now));
  }
  return pending;
}

grpc::ServerUnaryReactor* CoordinatorService::RequestStop(grpc::CallbackServerContext* context,
                                                          const coordinator::StopRequest* request,
                                                          coordinator::StopResponse* response) {
  if (absl::Status ok = CheckToken(*context); !ok.ok()) return Done(context, ok);
  std::string reason = request->reason().empty() ? "stop requested" : request->reason();
  if (request->has_requested_by()) {
    absl::StrAppend(&reason, " (by node ", FromProto(request->requested_by()).ToString(), ")");
  }
  response->set_started(StopProgram(std::move(reason)));
  return Done(context, absl::OkStatus());
}

grpc::ServerWriteReactor<StopNotice>* CoordinatorService::WatchStop(
    grpc::CallbackServerContext* context, const coordinator::WatchStopRequest* request) {
  if (absl::Status ok = CheckToken(*context); !ok.ok()) return new RefusedStream(ok);
  const NodeId node = FromProto(request->node());
  auto* stream = new StopStream(&stop_, node, &hooks_.on_watch_lost);
  stop_.Watch(stream, node);
  if (hooks_.on_watch) hooks_.on_watch(node, stop_.started());
  return stream;
}

grpc::ServerUnaryReactor* CoordinatorService::ReportExit(grpc::CallbackServerContext* context,
                                                         const coordinator::ExitReport* request,
                                                         coordinator::ReportExitResponse*) {
  if (absl::Status ok = CheckToken(*context); !ok.ok()) return Done(context, ok);
  ExitReport report = FromProto(*request);
  if (absl::Status recorded = nodes_.RecordExit(report); !recorded.ok()) {
    return Done(context, recorded);
  }
  if (hooks_.on_exit_report) hooks_.on_exit_report(report);
  return Done(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* CoordinatorService::ReportMetrics(
    grpc::CallbackServerContext* context, const coordinator::MetricsReport* request,
    coordinator::ReportMetricsResponse*) {
  if (absl::Status ok = CheckToken(*context); !ok.ok()) return Done(context, ok);
  metrics_.Add(request->collection(), FromProto(request->families()));
  return Done(context, absl::OkStatus());
}

WorkerMetrics CoordinatorService::CollectWorkerMetrics(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const std::uint64_t collection = metrics_.Open();
  WorkerMetrics result;
  result.asked = stop_.RequestMetrics(collection);
  result.reports = metrics_.Close(collection, result.asked, deadline);
  return result;
}

}  // namespace lp::internal
