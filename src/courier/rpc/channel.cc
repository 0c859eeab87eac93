#include "lp/courier_channel.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "courier/courier.grpc.pb.h"
#include "lp/event.h"
#include "lp/internal/blocking_region.h"
#include "src/courier/rpc/call_scope.h"
#include "src/courier/rpc/grpc_library.h"
#include "src/courier/rpc/grpc_thread.h"
#include "src/courier/rpc/grpc_status.h"
#include "src/courier/rpc/secret.h"
#include "src/courier/rpc/message_limits.h"
#include "src/courier/rpc/transport_security.h"

namespace lp {
namespace {

void ConfigureContext(absl::Time deadline, const CallOptions& options,
                      const std::string& secret, grpc::ClientContext& context) {
  context.set_wait_for_ready(options.wait_for_ready);
  if (!secret.empty()) context.AddMetadata(rpc::kSecretMetadataKey, secret);
  if (deadline != absl::InfiniteFuture()) context.set_deadline(absl::ToChronoTime(deadline));
}

courier::CallRequest MakeRequest(std::string_view method, courier::CallArguments args) {
  courier::CallRequest request;
  request.set_method(std::string(method));
  // Both messages live on the heap, so this moves (swaps) the arguments, never copies.
  *request.mutable_arguments() = std::move(args);
  return request;
}

// Why `request` cannot be sent, or OK: checked before gRPC encodes it, which aborts the
// process when a message is over protobuf's 2 GiB.
absl::Status CheckRequest(const courier::CallRequest& request, int max_send_message_bytes) {
  const std::string method =
      absl::StrCat("Courier method '", rpc::BoundedEcho(request.method()), "': ");
  const courier::CallArguments& arguments = request.arguments();
  for (int i = 0; i < arguments.args_size(); ++i) {
    if (absl::Status status = rpc::CheckObject(arguments.args(i), absl::StrCat(method, "arg ", i + 1),
                                               /*check_utf8=*/true);
        !status.ok()) {
      return status;
    }
  }
  return rpc::CheckMessageSize(request.ByteSizeLong(), max_send_message_bytes,
                               absl::StrCat(method, "the request"));
}

// The result inside a response, moved out (a swap, as above).
courier::SerializedObject TakeResult(courier::CallResponse& response) {
  return std::move(*response.mutable_result()->mutable_result());
}

// A call's place in its channel's scope, for as long as the call runs. The scope may
// cancel the call from another thread at any moment until then: it holds the context
// weakly, so a cancel that races with the call's end finds it either alive or gone.
class ScopedCall {
 public:
  // Enters `scope` (none: a no-op). Fails with the scope's reason once it is cancelled.
  static absl::StatusOr<ScopedCall> Enter(const std::shared_ptr<CallScope>& scope,
                                          std::weak_ptr<grpc::ClientContext> context) {
    if (scope == nullptr) return ScopedCall(nullptr, 0);
    absl::StatusOr<CallScope::CallId> id = scope->Enter([context = std::move(context)] {
      if (std::shared_ptr<grpc::ClientContext> alive = context.lock()) alive->TryCancel();
    });
    if (!id.ok()) return id.status();
    return ScopedCall(scope, *id);
  }

  ScopedCall(ScopedCall&& other) noexcept
      : scope_(std::move(other.scope_)), id_(other.id_) {}
  ScopedCall& operator=(ScopedCall&&) = delete;
  ~ScopedCall() {
    if (scope_ != nullptr) scope_->Leave(id_);
  }

  // What the caller sees for a call that ended with `status` (CallScope::Explain).
  absl::Status Explain(absl::Status status) const {
    return scope_ == nullptr ? status : scope_->Explain(std::move(status));
  }

 private:
  ScopedCall(std::shared_ptr<CallScope> scope, CallScope::CallId id)
      : scope_(std::move(scope)), id_(id) {}

  std::shared_ptr<CallScope> scope_;
  CallScope::CallId id_;
};

// Everything one async call needs until its completion callback ran.
struct AsyncCall {
  grpc::ClientContext context;
  courier::CallRequest request;
  courier::CallResponse response;
  std::shared_ptr<grpc::Channel> channel;  // keeps gRPC's callback queue alive
  std::optional<ScopedCall> scoped;
  CallCallback done;
};

}  // namespace

struct CourierChannel::Connection {
  std::string target;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<courier::CourierService::Stub> stub;
};

CourierChannel::~CourierChannel() = default;

std::shared_ptr<CourierChannel> CourierChannel::Create(std::string target,
                                                       CourierChannelOptions options) {
  std::shared_ptr<CourierChannel> channel(new CourierChannel(nullptr, std::move(options)));
  std::lock_guard<std::mutex> lock(channel->mu_);
  channel->owned_connection_ = channel->MakeConnection(std::move(target));
  channel->connection_.store(channel->owned_connection_.get(), std::memory_order_release);
  return channel;
}

std::shared_ptr<CourierChannel> CourierChannel::Create(AddressResolver resolver,
                                                       CourierChannelOptions options) {
  return std::shared_ptr<CourierChannel>(
      new CourierChannel(std::move(resolver), std::move(options)));
}

CourierChannel::CourierChannel(AddressResolver resolver, CourierChannelOptions options)
    : options_(std::move(options)), resolver_(std::move(resolver)) {
  rpc::KeepGrpcInitialized();
}

std::unique_ptr<CourierChannel::Connection> CourierChannel::MakeConnection(
    std::string target) const {
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(options_.max_receive_message_bytes);
  arguments.SetMaxSendMessageSize(options_.max_send_message_bytes);
  const int backoff_ms =
      static_cast<int>(absl::ToInt64Milliseconds(options_.max_reconnect_backoff));
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, std::min(backoff_ms, 1000));
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, backoff_ms);
  auto connection = std::make_unique<Connection>();
  connection->target = std::move(target);
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      rpc::ChannelCredentialsFor(options_.transport.get(), arguments);
  connection->channel =
      grpc::CreateCustomChannel(connection->target, std::move(credentials), arguments);
  connection->stub = courier::CourierService::NewStub(connection->channel);
  return connection;
}

absl::StatusOr<const CourierChannel::Connection*> CourierChannel::GetConnection(
    absl::Time deadline) {
  if (const Connection* connection = connection_.load(std::memory_order_acquire)) {
    return connection;
  }
  return Resolve(deadline);
}

absl::StatusOr<const CourierChannel::Connection*> CourierChannel::Resolve(absl::Time deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  // One resolver call at a time; the others wait for it, but no longer than their deadline.
  auto idle = [this] { return !resolving_; };
  if (deadline == absl::InfiniteFuture()) {
    resolver_idle_.wait(lock, idle);
  } else if (!resolver_idle_.wait_until(lock, absl::ToChronoTime(deadline), idle)) {
    return absl::DeadlineExceededError(
        "Deadline exceeded while waiting for the Courier server address to be resolved");
  }
  if (owned_connection_ != nullptr) return owned_connection_.get();

  resolving_ = true;
  lock.unlock();  // the resolver may block for long; do not hold the lock meanwhile
  absl::StatusOr<std::string> target = resolver_(deadline);
  lock.lock();
  resolving_ = false;
  resolver_idle_.notify_all();

  if (!target.ok()) return target.status();
  if (target->empty()) {
    return absl::InvalidArgumentError("The Courier address resolver returned an empty target");
  }
  owned_connection_ = MakeConnection(*std::move(target));
  connection_.store(owned_connection_.get(), std::memory_order_release);
  return owned_connection_.get();
}

absl::Status CourierChannel::Connect(absl::Time deadline) {
  return GetConnection(deadline).status();
}

absl::StatusOr<std::string> CourierChannel::Target(absl::Time deadline) {
  absl::StatusOr<const Connection*> connection = GetConnection(deadline);
  if (!connection.ok()) return connection.status();
  return (*connection)->target;
}

absl::StatusOr<courier::SerializedObject> CourierChannel::Call(std::string_view method,
                                                               courier::CallArguments args,
                                                               const CallOptions& options) {
  // Waits for the connection and the reply: a handler thread making this call lets its
  // server start another meanwhile (nodes calling each other in a cycle).
  internal::BlockingRegion blocking;
  if (rpc::IsOnGrpcThread()) return CallPolling(method, std::move(args), options);
  // gRPC's callback API and a wait, not its synchronous stub: that one makes a completion
  // queue per call and polls it on this thread, which cost 149 against 81 µs of client
  // CPU per call in bench_rpc (two processes, one caller).
  std::optional<absl::StatusOr<courier::SerializedObject>> outcome;
  Event done;
  CallAsync(method, std::move(args), options,
            [&outcome, &done](absl::StatusOr<courier::SerializedObject> result) {
              outcome.emplace(std::move(result));
              done.Notify();  // the last touch: this frame may be gone right after
            });
  done.Wait();
  return *std::move(outcome);
}

absl::StatusOr<courier::SerializedObject> CourierChannel::CallPolling(
    std::string_view method, courier::CallArguments args, const CallOptions& options) {
  const absl::Time deadline = options.EffectiveDeadline();
  auto context = std::make_shared<grpc::ClientContext>();
  absl::StatusOr<ScopedCall> scoped = ScopedCall::Enter(options_.scope, context);
  if (!scoped.ok()) return scoped.status();
  absl::StatusOr<const Connection*> connection = GetConnection(deadline);
  if (!connection.ok()) return scoped->Explain(connection.status());

  ConfigureContext(deadline, options, options_.secret, *context);
  const courier::CallRequest request = MakeRequest(method, std::move(args));
  if (absl::Status sendable = CheckRequest(request, options_.max_send_message_bytes);
      !sendable.ok()) {
    return sendable;
  }
  courier::CallResponse response;
  grpc::Status status = (*connection)->stub->Call(context.get(), request, &response);
  if (!status.ok()) return scoped->Explain(rpc::ToAbslStatus(status));
  return TakeResult(response);
}

void CourierChannel::CallAsync(std::string_view method, courier::CallArguments args,
                               const CallOptions& options, CallCallback done) {
  const absl::Time deadline = options.EffectiveDeadline();
  // Owned by the completion callback (and, while it may cancel, weakly by the scope).
  auto call = std::make_shared<AsyncCall>();
  absl::StatusOr<ScopedCall> scoped =
      ScopedCall::Enter(options_.scope, std::shared_ptr<grpc::ClientContext>(call, &call->context));
  if (!scoped.ok()) {
    std::move(done)(scoped.status());
    return;
  }
  absl::StatusOr<const Connection*> connection = GetConnection(deadline);
  if (!connection.ok()) {
    std::move(done)(scoped->Explain(connection.status()));
    return;
  }

  ConfigureContext(deadline, options, options_.secret, call->context);
  call->request = MakeRequest(method, std::move(args));
  if (absl::Status sendable = CheckRequest(call->request, options_.max_send_message_bytes);
      !sendable.ok()) {
    std::move(done)(std::move(sendable));
    return;
  }
  call->channel = (*connection)->channel;
  call->scoped.emplace(*std::move(scoped));
  call->done = std::move(done);
  AsyncCall* raw = call.get();
  (*connection)->stub->async()->Call(
      &raw->context, &raw->request, &raw->response,
      [call = std::move(call)](grpc::Status status) mutable {
        // Released on return: the call's state must not keep itself alive through the
        // callback gRPC stores inside the context.
        std::shared_ptr<AsyncCall> owned = std::move(call);
        absl::StatusOr<courier::SerializedObject> outcome =
            status.ok() ? absl::StatusOr<courier::SerializedObject>(TakeResult(owned->response))
                        : owned->scoped->Explain(rpc::ToAbslStatus(status));
        owned->scoped.reset();  // left before `done` runs: it may start the next call
        rpc::OnGrpcThread on_grpc_thread;  // `done` runs Future continuations
        std::move(owned->done)(std::move(outcome));
      });
}

Future<courier::SerializedObject> CourierChannel::CallFuture(std::string_view method,
                                                             courier::CallArguments args,
                                                             const CallOptions& options) {
  Promise<courier::SerializedObject> promise{std::string(method)};
  Future<courier::SerializedObject> future = promise.GetFuture();
  CallAsync(method, std::move(args), options,
            [promise = std::move(promise)](
                absl::StatusOr<courier::SerializedObject> result) mutable {
              promise.Set(std::move(result));
            });
  return future;
}

absl::StatusOr<std::vector<std::string>> CourierChannel::ListMethods(const CallOptions& options) {
  const absl::Time deadline = options.EffectiveDeadline();
  auto context = std::make_shared<grpc::ClientContext>();
  absl::StatusOr<ScopedCall> scoped = ScopedCall::Enter(options_.scope, context);
  if (!scoped.ok()) return scoped.status();
  absl::StatusOr<const Connection*> connection = GetConnection(deadline);
  if (!connection.ok()) return scoped->Explain(connection.status());

  ConfigureContext(deadline, options, options_.secret, *context);
  courier::ListMethodsResponse response;
  grpc::Status status =
      (*connection)->stub->ListMethods(context.get(), courier::ListMethodsRequest(), &response);
  if (!status.ok()) return scoped->Explain(rpc::ToAbslStatus(status));
  return std::vector<std::string>(response.methods().begin(), response.methods().end());
}

}  // namespace lp
