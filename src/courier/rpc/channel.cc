#include "lp/courier_channel.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/support/async_unary_call.h>
#include <grpcpp/support/client_callback.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "courier/courier.grpc.pb.h"
#include "lp/internal/blocking_region.h"
#include "src/courier/rpc/call_request.h"
#include "src/courier/rpc/call_scope.h"
#include "src/courier/rpc/callback_threads.h"
#include "src/courier/rpc/client_queue.h"
#include "src/courier/rpc/grpc_library.h"
#include "src/courier/rpc/grpc_status.h"
#include "src/courier/rpc/in_process_servers.h"
#include "src/courier/rpc/local_socket.h"
#include "src/courier/rpc/secret.h"
#include "src/courier/rpc/message_limits.h"
#include "src/courier/rpc/received_tensors.h"
#include "src/courier/rpc/same_host.h"
#include "src/courier/rpc/shared_tensor_memory.h"
#include "src/courier/rpc/transport_security.h"
#include "src/courier/rpc/tsan_edge.h"
#include "src/metrics/courier_metrics.h"
#include "src/metrics/node_label.h"

namespace lp {
namespace {

void ConfigureContext(absl::Time deadline, const CallOptions& options,
                      const std::string& secret, grpc::ClientContext& context) {
  context.set_wait_for_ready(options.wait_for_ready);
  if (!secret.empty()) context.AddMetadata(rpc::kSecretMetadataKey, secret);
  if (deadline != absl::InfiniteFuture()) context.set_deadline(absl::ToChronoTime(deadline));
}

// The gRPC method that Courier calls go to; the generated stub's name for it is private.
constexpr char kCallMethod[] = "/courier.CourierService/Call";

// The result inside a reply's bytes (INTERNAL if they are not a CallResponse). Read by hand
// (rpc::ReadResult), straight into the object returned: the response and its CallResult
// are never built, and large tensors land in storage of lp's own (received_tensors.h).
absl::StatusOr<courier::SerializedObject> TakeResult(grpc::ByteBuffer& reply) {
  courier::SerializedObject result;
  const bool read = rpc::ReadResult(reply, result);
  reply.Clear();
  if (!read) return absl::InternalError("the reply is not a courier.CallResponse");
  return result;
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

using Clock = std::chrono::steady_clock;

// Counts a call made through `metrics`, sent at `sent` with `request_bytes`, that ended now
// with `status`.
void RecordMadeCall(metrics::CallMetrics& metrics, Clock::time_point sent,
                    const grpc::Status& status, std::size_t request_bytes,
                    const grpc::ByteBuffer& reply) {
  const std::chrono::duration<double> took = Clock::now() - sent;
  metrics.Record(static_cast<absl::StatusCode>(status.error_code()), took.count(),
                 status.ok() ? reply.Length() : 0, request_bytes);
}

// Everything one async call needs until it ended. A call through a socket ends on the
// process's ClientQueue, one in process on gRPC's callback threads (in-process calls are
// few, and their servers' threads end them).
struct AsyncCall final : rpc::ClientQueue::Completion {
  void Complete(bool /*ok: always true for a unary call's Finish*/) override;

  grpc::ClientContext context;
  // The call on the ClientQueue; in the call's arena, so gone before `context`.
  std::unique_ptr<grpc::ClientAsyncResponseReader<grpc::ByteBuffer>> reader;
  grpc::Status status;  // the end of the call on the ClientQueue
  grpc::ByteBuffer request;
  grpc::ByteBuffer reply;
  // Keeps the gRPC channel, and for a call in process gRPC's callback queue, alive.
  std::shared_ptr<grpc::Channel> channel;
  std::optional<ScopedCall> scoped;
  CallCallback done;
  metrics::CallMetrics* metrics = nullptr;
  Clock::time_point sent;
  std::size_t request_bytes = 0;
  std::shared_ptr<rpc::SameHostPeer> same_host;
  std::optional<rpc::CallSharedMemory> shared;  // its tensors in shared memory
  std::optional<rpc::CallSharedMemory> lent;    // memory lent for its result's tensors
  std::string method;  // whose results the same-host path learns about at the end
  std::shared_ptr<rpc::InProcessGate> in_process_gate;  // its server's, for in-process calls
  int max_receive_bytes = -1;
  // The call's own reference while gRPC runs it, taken back by its completion. Held here
  // rather than by the completion callback, so that the callback captures a plain pointer:
  // gRPC keeps it in a std::function, which stores only trivially copyable callables
  // without an allocation.
  std::shared_ptr<AsyncCall> self;
};

// Ends `raw`, a call that gRPC ended with `status`: records it, and hands its outcome to its
// callback.
void EndCall(AsyncCall* raw, grpc::Status status) {
  // The call's state must not keep itself alive once it has ended.
  std::shared_ptr<AsyncCall> owned = std::move(raw->self);
  if (owned->in_process_gate != nullptr) owned->in_process_gate->Ended();
  RecordMadeCall(*owned->metrics, owned->sent, status, owned->request_bytes, owned->reply);
  const std::size_t reply_bytes = status.ok() ? owned->reply.Length() : 0;
  owned->same_host->CallEnded(owned->context, status, owned->request_bytes, reply_bytes,
                              owned->shared);
  owned->request.Clear();
  absl::StatusOr<courier::SerializedObject> outcome = owned->same_host->ResultArrived(
      owned->method, reply_bytes, owned->lent,
      status.ok() ? TakeResult(owned->reply) : owned->scoped->Explain(rpc::ToAbslStatus(status)),
      owned->max_receive_bytes);
  owned->scoped.reset();  // left before `done` runs: it may start the next call
  CallCallback done = std::move(owned->done);
  // The call's gRPC state goes before `done` wakes whoever waits for the result: a waiter
  // that starts its next call at once then does not meet this one's teardown on the same
  // channel (bench_rpc, one call in flight: lp/cbw 0.83 -> 0.88, median of six alternated
  // pairs; docs/performance.md).
  owned.reset();
  std::move(done)(std::move(outcome));
}

void AsyncCall::Complete(bool /*ok*/) { EndCall(this, std::move(status)); }

// A call on a channel on gRPC's in-process transport, waited for on this thread: made by
// `start(queue, status)` inside the server's gate, entered (see rpc::InProcessGate), with
// its end asked of `queue`; `start` returns the call's reader, kept until that end. Not
// gRPC's synchronous call, which makes the call and waits for it in one function. Not the
// callback API either: its completions run on gRPC's callback threads, two in a process, so
// a synchronous call made on one of them (a Future continuation) would wait for the other,
// and 64 such calls at once for ever. The queue is the call's own, as gRPC's synchronous
// call has: nothing else needs to run for it to learn its end.
template <typename Start>
grpc::Status WaitInProcess(rpc::InProcessGate& gate, Start start) {
  grpc::CompletionQueue queue;
  grpc::Status status;
  auto reader = start(queue, status);
  gate.Made();
  void* tag = nullptr;
  bool ok = false;
  queue.Next(&tag, &ok);  // the call's end: Finish always completes
  gate.Ended();
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  return status;
}

// A call through a socket, waited for on this thread: made on the process's ClientQueue,
// which this thread polls while it waits, as a thread waiting for a Future does (or
// sleeps while another thread polls it and runs this call's end). For a thread that calls
// alone: gRPC's synchronous call, whose queue is the call's own, takes turns with every
// other thread waiting in a queue of gRPC's at polling the process's sockets (gRPC's
// epoll1), and the ClientQueue's own thread, idle in its queue (in a worker, always), then
// read about every reply and woke the caller. Many threads calling at once through the
// ClientQueue contend for its lock instead, so a call made while another thread waits
// there takes gRPC's synchronous call, unless this thread is the one polling it
// (ClientQueue::SynchronousCallWaitsHere; docs/performance.md, "Synchronous calls wait on
// the reply queue").
grpc::Status WaitOnClientQueue(grpc::ChannelInterface* channel,
                               const grpc::internal::RpcMethod& method,
                               grpc::ClientContext& context, const grpc::ByteBuffer& request,
                               grpc::ByteBuffer& reply) {
  // Set on the thread that polls; read by this one, and by a poller that wakes sleepers.
  struct Ending final : rpc::ClientQueue::Completion {
    void Complete(bool /*ok: always true for a unary call's Finish*/) override {
      ended.store(true, std::memory_order_release);
    }
    std::atomic<bool> ended{false};
  } ending;
  rpc::ClientQueue& queue = rpc::ClientQueue::Get();
  grpc::Status status;
  // In the call's arena: gone before `context`.
  std::unique_ptr<grpc::ClientAsyncResponseReader<grpc::ByteBuffer>> reader(
      grpc::internal::ClientAsyncResponseReaderHelper::Create<grpc::ByteBuffer>(
          channel, queue.queue(), method, &context, request));
  reader->StartCall();
  rpc::TsanEdge();  // for the thread that will end the call
  reader->Finish(&reply, &status, static_cast<rpc::ClientQueue::Completion*>(&ending));
  queue.WaitDriving(absl::InfiniteFuture(),
                    [&ending] { return ending.ended.load(std::memory_order_acquire); });
  return status;
}

// One way to a server: a gRPC channel, the stub on it (for ListMethods) and Call's method
// registered with it.
struct Route {
  explicit Route(std::shared_ptr<grpc::Channel> on)
      : channel(std::move(on)),
        stub(courier::CourierService::NewStub(channel)),
        call_method(kCallMethod, grpc::internal::RpcMethod::NORMAL_RPC, channel),
        generic(channel) {}
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<courier::CourierService::Stub> stub;
  grpc::internal::RpcMethod call_method;
  // Call on a queue of the caller's (WaitInProcess). Mutable: its calls are thread-safe.
  mutable grpc::GenericStub generic;
};

// A call through `route`'s socket, waited for on this thread (see WaitOnClientQueue).
grpc::Status WaitThroughSocket(const Route& route, grpc::ClientContext& context,
                               const grpc::ByteBuffer& request, grpc::ByteBuffer& reply) {
  if (rpc::ClientQueue::Get().SynchronousCallWaitsHere()) {
    return WaitOnClientQueue(route.channel.get(), route.call_method, context, request, reply);
  }
  return grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
      route.channel.get(), route.call_method, &context, request, &reply);
}

}  // namespace

// Calls go through gRPC's generic call functions with byte buffers, as the generated
// stub's do with messages, so that the request is encoded by SerializeSharing; the stub
// serves ListMethods. Immutable once made, but for the cache of metrics handles.
struct CourierChannel::Connection {
  std::string target;
  std::string metrics_target;  // the `target` label of the calls made through it

  // Through a socket: always there, connected when first used.
  std::optional<Route> socket;
  // Through gRPC's in-process transport, to a server of this process that `target` names
  // (CourierChannelOptions::in_process), and that server's gate. Calls go this way while
  // the gate lets them in, and through `socket` once the server has stopped: a call then
  // meets what it would have met on a socket all along (a server that is gone, or a new
  // one at the same address).
  std::optional<Route> in_process;
  std::shared_ptr<rpc::InProcessGate> in_process_gate;

  // The gate, entered, if a call is to go in process (rpc::InProcessGate: Made() and
  // Ended() must follow); null if it goes through the socket.
  rpc::InProcessGate* EnterInProcess() const {
    return in_process.has_value() && in_process_gate->Enter() ? in_process_gate.get() : nullptr;
  }

  // Whether this server takes large tensors through shared memory; shared by the calls.
  std::shared_ptr<rpc::SameHostPeer> same_host;

  // The metrics of calls to `method` made by the calling thread's node: resolved in the
  // process's registry once per node and method, then found here under a short lock.
  metrics::CallMetrics& MetricsFor(std::string_view method) const {
    const std::string& node = metrics::CurrentNodeLabel();  // interned: its address is a key
    std::lock_guard lock(metrics_mu);
    auto& by_method = metrics_by_node[&node];
    // absl::string_view: Debian's Abseil has its own, which std::string_view does not convert to.
    auto it = by_method.find(absl::string_view(method.data(), method.size()));
    if (it == by_method.end()) {
      std::string name(method);
      it = by_method.emplace(name, &metrics::CourierMetrics::Get().Made(node, metrics_target, name))
               .first;
    }
    return *it->second;
  }
  mutable std::mutex metrics_mu;
  // Guarded by metrics_mu: by node label (its interned address), then method.
  mutable absl::flat_hash_map<const std::string*,
                              absl::flat_hash_map<std::string, metrics::CallMetrics*>>
      metrics_by_node;
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
  connection->metrics_target =
      options_.peer_name.empty() ? connection->target : options_.peer_name;
  if (options_.in_process) {
    rpc::InProcessChannel in_process =
        rpc::InProcessServers::Get().ChannelTo(connection->target, arguments);
    if (in_process.channel != nullptr) {
      connection->in_process.emplace(std::move(in_process.channel));
      connection->in_process_gate = std::move(in_process.gate);
    }
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      rpc::ChannelCredentialsFor(options_.transport.get(), arguments);
  // Sockets of a server on this host bound to the same address and port (local_socket.h)
  // reach the same server; the Unix one without the kernel's TCP stack.
  std::string socket_target = connection->target;
  if (options_.local_socket && options_.transport == nullptr && rpc::LocalSocketsEnabled()) {
    if (std::optional<std::string> local = rpc::LocalSocketTarget(connection->target)) {
      socket_target = *std::move(local);
    }
  }
  connection->socket.emplace(
      grpc::CreateCustomChannel(socket_target, std::move(credentials), arguments));
  // In process, the tensors' bytes are not copied at all: nothing for shared memory to save.
  connection->same_host = std::make_shared<rpc::SameHostPeer>(
      options_.same_host_tensors && !connection->in_process.has_value());
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
  // Waited for by polling, on this thread: through a socket on the ClientQueue
  // (WaitOnClientQueue) or, while another thread waits there, on gRPC's synchronous call's
  // own queue; in process on a queue of the call's own (WaitInProcess). Waiting
  // on the callback API instead was tried twice. The first time, programs aborted in gRPC
  // 1.51's shared callback queue at stop (since fixed: see rpc::KeepCallbackQueueAlive).
  // The second time it was stable, but in bench_batching (64 callers, client and server in
  // one process) it did not cost less: it moves every client completion onto gRPC's two
  // shared callback threads, which serve the server's calls too (docs/performance.md).
  // Polling is also what a call made on one of gRPC's own threads (an in-process Future
  // continuation) needs: it does not wait for another of those threads to deliver its
  // reply. A call made by a completion of the ClientQueue (a continuation of a call through
  // a socket) polls on, as that queue's poller.
  const absl::Time deadline = options.EffectiveDeadline();
  auto context = std::make_shared<grpc::ClientContext>();
  absl::StatusOr<ScopedCall> scoped = ScopedCall::Enter(options_.scope, context);
  if (!scoped.ok()) return scoped.status();
  absl::StatusOr<const Connection*> connection = GetConnection(deadline);
  if (!connection.ok()) return scoped->Explain(connection.status());

  ConfigureContext(deadline, options, options_.secret, *context);
  rpc::SameHostPeer& same_host = *(*connection)->same_host;
  std::optional<rpc::CallSharedMemory> shared = same_host.ShareTensors(args, *context);
  std::optional<rpc::CallSharedMemory> lent = same_host.LendForResult(method);
  absl::StatusOr<rpc::MovableByteBuffer> request = rpc::EncodeCallRequest(
      method, std::move(args), options_.max_send_message_bytes,
      shared.has_value() ? &shared->descriptor() : nullptr,
      lent.has_value() ? &lent->descriptor() : nullptr);
  if (!request.ok()) return request.status();
  grpc::ByteBuffer reply;
  metrics::CallMetrics& metrics = (*connection)->MetricsFor(method);
  const std::size_t request_bytes = request->Length();
  const Clock::time_point sent = Clock::now();
  const Connection& to = **connection;
  rpc::InProcessGate* const gate = to.EnterInProcess();
  grpc::Status status =
      gate == nullptr
          ? WaitThroughSocket(*to.socket, *context, request->bytes(), reply)
          : WaitInProcess(*gate, [&](grpc::CompletionQueue& queue, grpc::Status& ended) {
              auto call = to.in_process->generic.PrepareUnaryCall(context.get(), kCallMethod,
                                                                  request->bytes(), &queue);
              call->StartCall();
              call->Finish(&reply, &ended, &queue);
              return call;
            });
  RecordMadeCall(metrics, sent, status, request_bytes, reply);
  const std::size_t reply_bytes = status.ok() ? reply.Length() : 0;
  same_host.CallEnded(*context, status, request_bytes, reply_bytes, shared);
  request->bytes().Clear();  // not needed any more: frees what gRPC no longer holds
  absl::StatusOr<courier::SerializedObject> result =
      status.ok() ? TakeResult(reply) : scoped->Explain(rpc::ToAbslStatus(status));
  return same_host.ResultArrived(method, reply_bytes, lent, std::move(result),
                                 options_.max_receive_message_bytes);
}

void CourierChannel::CallAsync(std::string_view method, courier::CallArguments args,
                               const CallOptions& options, CallCallback done) {
  (void)StartCall(method, std::move(args), options, std::move(done));
}

internal::WaitDriver* CourierChannel::StartCall(std::string_view method,
                                                courier::CallArguments args,
                                                const CallOptions& options, CallCallback done) {
  const absl::Time deadline = options.EffectiveDeadline();
  // Owned by the completion callback (and, while it may cancel, weakly by the scope).
  auto call = std::make_shared<AsyncCall>();
  absl::StatusOr<ScopedCall> scoped =
      ScopedCall::Enter(options_.scope, std::shared_ptr<grpc::ClientContext>(call, &call->context));
  if (!scoped.ok()) {
    std::move(done)(scoped.status());
    return nullptr;
  }
  absl::StatusOr<const Connection*> connection = GetConnection(deadline);
  if (!connection.ok()) {
    std::move(done)(scoped->Explain(connection.status()));
    return nullptr;
  }

  ConfigureContext(deadline, options, options_.secret, call->context);
  call->same_host = (*connection)->same_host;
  call->shared = call->same_host->ShareTensors(args, call->context);
  call->lent = call->same_host->LendForResult(method);
  call->method = method;
  call->max_receive_bytes = options_.max_receive_message_bytes;
  absl::StatusOr<rpc::MovableByteBuffer> request = rpc::EncodeCallRequest(
      method, std::move(args), options_.max_send_message_bytes,
      call->shared.has_value() ? &call->shared->descriptor() : nullptr,
      call->lent.has_value() ? &call->lent->descriptor() : nullptr);
  if (!request.ok()) {
    std::move(done)(request.status());
    return nullptr;
  }
  call->request.Swap(&request->bytes());
  call->scoped.emplace(*std::move(scoped));
  call->done = std::move(done);
  call->metrics = &(*connection)->MetricsFor(method);
  call->request_bytes = call->request.Length();
  call->sent = Clock::now();
  // Entered right before the call is made, as nothing can fail after this.
  rpc::InProcessGate* const gate = (*connection)->EnterInProcess();
  const Route& route = gate != nullptr ? *(*connection)->in_process : *(*connection)->socket;
  if (gate != nullptr) call->in_process_gate = (*connection)->in_process_gate;
  call->channel = route.channel;
  AsyncCall* raw = call.get();
  raw->self = std::move(call);
  if (gate == nullptr) {
    // Through the socket: the call ends on the ClientQueue, which whoever waits polls.
    rpc::ClientQueue& queue = rpc::ClientQueue::Get();
    raw->reader.reset(
        grpc::internal::ClientAsyncResponseReaderHelper::Create<grpc::ByteBuffer>(
            raw->channel.get(), queue.queue(), route.call_method, &raw->context, raw->request));
    raw->reader->StartCall();
    // The call may end, on the thread that polls, before Finish has returned here: its
    // state stays until then.
    const std::shared_ptr<AsyncCall> starting = raw->self;
    rpc::TsanEdge();  // for the thread that will end the call
    rpc::ClientQueue::Completion* const tag = raw;
    raw->reader->Finish(&raw->reply, &raw->status, tag);
    return &queue;
  }
  rpc::KeepCallbackQueueAlive();  // before the process's first callback call
  grpc::internal::CallbackUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
      raw->channel.get(), route.call_method, &raw->context, &raw->request, &raw->reply,
      [raw](grpc::Status status) { EndCall(raw, std::move(status)); });
  // The call's state may be gone by now; the connection keeps the gate.
  gate->Made();
  return nullptr;
}

Future<courier::SerializedObject> CourierChannel::CallFuture(std::string_view method,
                                                             courier::CallArguments args,
                                                             const CallOptions& options) {
  auto promise = std::make_shared<Promise<courier::SerializedObject>>(std::string(method));
  Future<courier::SerializedObject> future = promise->GetFuture();
  promise->SetWaitDriver(
      StartCall(method, std::move(args), options,
                [promise](absl::StatusOr<courier::SerializedObject> result) mutable {
                  promise->Set(std::move(result));
                }));
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
  const Connection& to = **connection;
  const courier::ListMethodsRequest request;
  rpc::InProcessGate* const gate = to.EnterInProcess();
  grpc::Status status =
      gate == nullptr ? to.socket->stub->ListMethods(context.get(), request, &response)
                      : WaitInProcess(*gate, [&](grpc::CompletionQueue& queue,
                                                 grpc::Status& ended) {
                          auto call =
                              to.in_process->stub->AsyncListMethods(context.get(), request, &queue);
                          call->Finish(&response, &ended, &queue);
                          return call;
                        });
  if (!status.ok()) return scoped->Explain(rpc::ToAbslStatus(status));
  return std::vector<std::string>(response.methods().begin(), response.methods().end());
}

}  // namespace lp
