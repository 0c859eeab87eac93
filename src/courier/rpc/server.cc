#include "lp/courier_server.h"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include <climits>
#include <cstdio>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "src/courier/rpc/call_ends.h"
#include "src/courier/rpc/courier_service.h"
#include "src/courier/rpc/grpc_library.h"
#include "src/courier/rpc/handler_executor.h"
#include "src/courier/rpc/health_service.h"
#include "src/courier/rpc/in_process_servers.h"
#include "src/courier/rpc/local_socket.h"
#include "src/courier/rpc/method_registry.h"
#include "src/courier/rpc/transport_security.h"

namespace lp {
namespace {

// How many calls of Call are asked of gRPC at a time (each arrival asks for the next):
// enough for every polling thread to take one while gRPC reads the next.
constexpr int kCallsAskedAtOnce = 16;

}  // namespace

struct CourierServer::Parts {
  explicit Parts(const CourierServerOptions& options)
      : executor(ConcurrentHandlers(options)),
        service(registry, options.max_send_message_bytes, &executor,
                options.max_concurrent_handlers, options.max_receive_message_bytes) {}
  // ShutdownAndWait() has drained the executor by now, unless the server never started
  // (then it has no threads). Again here, explicitly, because its tasks use the service,
  // which members' reverse order would destroy before the executor.
  ~Parts() { executor.Shutdown(); }

  // The replies and ends of calls of Call: declared first, so destroyed last (the
  // executor and the service use it).
  rpc::CallEnds call_ends;
  rpc::MethodRegistry registry;  // written before Start only, then read-only
  rpc::HandlerExecutor executor;  // runs the handlers of Call
  rpc::CourierServiceImpl service;
  rpc::HealthService health;  // registered if options.enable_health_check
  // Calls of gRPC methods none of the above has (rpc::UnknownMethodCall).
  grpc::AsyncGenericService unknown_methods;
  // Set by Start() (under mu_) before state_ leaves kNew, never reset: whoever saw
  // state_ != kNew under mu_ may use them without the lock. The queue of Call's calls,
  // polled by the executor, outlives the server (gRPC's rule: destroyed after it).
  std::unique_ptr<grpc::ServerCompletionQueue> queue;
  std::unique_ptr<grpc::Server> server;
  // Where clients of this host connect without TCP; null without one. Reset (accepting
  // no more) when the shutdown begins.
  std::unique_ptr<rpc::LocalSocketListener> local_socket;
};

CourierServer::CourierServer(CourierServerOptions options)
    : options_(std::move(options)),
      parts_(std::make_unique<Parts>(options_)) {
  rpc::KeepGrpcInitialized();
}

CourierServer::~CourierServer() {
  ShutdownAndWait(absl::Now());
  std::thread helper;
  {
    std::lock_guard<std::mutex> lock(mu_);
    helper = std::move(shutdown_thread_);
  }
  if (helper.joinable()) helper.join();
}

absl::Status CourierServer::RegisterMethod(std::string name, CourierHandler handler,
                                           CourierMethodOptions options) {
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status status = CheckNotStarted(name); !status.ok()) return status;
  return parts_->registry.Add(std::move(name), std::move(handler), options);
}

absl::Status CourierServer::RegisterDeferredMethod(std::string name,
                                                   DeferredCourierHandler handler,
                                                   CourierMethodOptions options) {
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status status = CheckNotStarted(name); !status.ok()) return status;
  return parts_->registry.Add(std::move(name), std::move(handler), options);
}

absl::Status CourierServer::CheckNotStarted(const std::string& method) const {
  if (state_ == State::kNew) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "Cannot register Courier method '", method, "': the server was already started"));
}

absl::Status CourierServer::SetSecret(std::string secret, std::string server_name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ != State::kNew) {
    return absl::FailedPreconditionError(absl::StrCat(
        "Cannot set the secret of the Courier server of ", server_name,
        ": the server was already started"));
  }
  if (!options_.require_secret) return absl::OkStatus();
  if (server_name.empty()) server_name = "this Courier server";
  parts_->service.RequireSecret(std::move(secret), std::move(server_name));
  return absl::OkStatus();
}

absl::StatusOr<int> CourierServer::Start(const std::string& bind_address,
                                         const rpc::TransportSecurity* security) {
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ != State::kNew) {
    return absl::FailedPreconditionError("CourierServer::Start called twice or after Shutdown");
  }
  if (options_.handler_threads < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "CourierServerOptions.handler_threads must be at least 1, not ",
        options_.handler_threads));
  }
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(bind_address, rpc::ServerCredentialsFor(security), &port);
  parts_->service.Publish();
  builder.RegisterService(&parts_->service);
  if (options_.enable_health_check) parts_->health.RegisterService(builder);
  builder.RegisterAsyncGenericService(&parts_->unknown_methods);
  // With SO_REUSEPORT, gRPC 1.51 clones the listening socket for each completion queue
  // (a callback service adds one), and the clone of a port-0 listener binds port 0 again:
  // a second, unpublished port serving the same methods. Off, there is one socket on the
  // published port (and no other process can share that port).
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(options_.max_receive_message_bytes);
  builder.SetMaxSendMessageSize(options_.max_send_message_bytes);
  // No HTTP/2 keepalive pings from the server (INT_MAX is gRPC's "never"). gRPC's default
  // is a ping after 2 hours of silence, and the timer for it is cancelled and set again on
  // every read of every connection: two allocations and a lock of gRPC's timer table per
  // call at one call in flight (bench_rpc's mallocs per call). A program learns that a
  // peer's host vanished from the coordinator's keepalive instead (docs/architecture.md,
  // "Knowing a node ended").
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, INT_MAX);
  if (!options_.accept_compressed_requests) {
    builder.SetCompressionAlgorithmSupportStatus(GRPC_COMPRESS_DEFLATE, false);
    builder.SetCompressionAlgorithmSupportStatus(GRPC_COMPRESS_GZIP, false);
  }
  parts_->queue = builder.AddCompletionQueue(/*is_frequently_polled=*/true);
  parts_->server = builder.BuildAndStart();
  if (parts_->server == nullptr || port == 0) {
    parts_->server.reset();
    parts_->queue->Shutdown();  // nothing was asked of it: it is empty
    void* tag = nullptr;
    bool ok = false;
    while (parts_->queue->Next(&tag, &ok)) {
    }
    parts_->queue.reset();
    return absl::UnavailableError(
        absl::StrCat("Courier server could not listen on '", bind_address, "'"));
  }
  // The executor's threads take the calls off the queue and run their handlers.
  parts_->executor.Poll(parts_->queue.get(), &parts_->call_ends);
  parts_->service.TakeCalls(parts_->queue.get(), &parts_->call_ends, kCallsAskedAtOnce,
                            &parts_->unknown_methods);
  if (options_.enable_health_check) {
    parts_->health.SetServing(serving_);
    parts_->health.TakeCalls(parts_->queue.get());
  }
  // Callers of this process that name it by an address it listens at call it in process.
  // Their calls arrive best with a second thread in the queue (CallsHandOverTheQueue).
  rpc::InProcessServers::Get().Add(bind_address, port, parts_->server.get(),
                                   [executor = &parts_->executor] {
                                     executor->CallsHandOverTheQueue();
                                   });
  // Those of other processes of this host, through a Unix socket. Not with TLS: whoever
  // can reach the socket would skip it.
  if (security == nullptr && rpc::LocalSocketsEnabled()) ListenLocally(bind_address, port);
  port_ = port;
  state_ = State::kServing;
  return port;
}

void CourierServer::ListenLocally(const std::string& bind_address, int port) {
  absl::StatusOr<std::unique_ptr<rpc::LocalSocketListener>> listener =
      rpc::LocalSocketListener::Listen(bind_address, port, parts_->server.get());
  if (listener.ok()) {
    parts_->local_socket = *std::move(listener);
  } else if (!absl::IsInvalidArgument(listener.status())) {
    // Rare (another process holds the name); the server works, at TCP's cost.
    std::fprintf(stderr, "lp: Courier server at %s: %s; clients on this host call it over TCP\n",
                 bind_address.c_str(), std::string(listener.status().message()).c_str());
  }
}

void CourierServer::Shutdown(absl::Time deadline) {
  if (parts_->executor.OnExecutorThread() || parts_->service.InInlineHandler()) {
    // grpc::Server::Shutdown waits for every call to be finished, including ours, which
    // this handler's thread finishes only once the handler has returned.
    std::lock_guard<std::mutex> lock(mu_);
    if (!shutdown_thread_.joinable()) {
      shutdown_thread_ = std::thread([this, deadline] { ShutdownAndWait(deadline); });
    }
    return;
  }
  ShutdownAndWait(deadline);
}

void CourierServer::ShutdownAndWait(absl::Time deadline) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    switch (state_) {
      case State::kNew:
        state_ = State::kShutDown;
        return;
      case State::kShuttingDown:
        // Someone else is shutting down; return when they are done.
        shut_down_.wait(lock, [this] { return state_ == State::kShutDown; });
        return;
      case State::kShutDown:
        return;
      case State::kServing:
        state_ = State::kShuttingDown;
        break;
    }
  }
  // No new connection through the local socket (those made stay, like TCP's).
  parts_->local_socket.reset();
  // No new in-process channel or call to it; the calls in flight on those made before get
  // until `deadline`, as calls on sockets get from the shutdown below.
  rpc::InProcessServers::Get().Remove(parts_->server.get(), deadline);
  // Outside the lock from here: this waits for handlers, which may call SetServing() or
  // port(). NOT_SERVING from now on, and the health Watch streams end, which the
  // server's shutdown would otherwise wait for until its deadline.
  parts_->health.Shutdown();
  // Refuses new calls, cancels the rest at `deadline`, and returns once every call is
  // finished: queued calls see the cancellation and finish without running their
  // handlers, running handlers return. WaitForCallsToEnd collects the calls' ends (from
  // call_ends) until every call is freed. Then nothing is left for the executor but to
  // shut the queue down, take what is left in it (health checks' ends, alarms), and stop.
  parts_->service.StopTakingCalls();
  parts_->server->Shutdown(absl::ToChronoTime(deadline));
  parts_->server->Wait();
  parts_->service.WaitForCallsToEnd();
  parts_->health.WaitForCallsToEnd();
  parts_->executor.Shutdown();
  parts_->call_ends.Shutdown();  // every call is freed: it is empty
  {
    std::lock_guard<std::mutex> lock(mu_);
    state_ = State::kShutDown;
  }
  shut_down_.notify_all();
}

void CourierServer::SetServing(bool serving) {
  std::lock_guard<std::mutex> lock(mu_);
  serving_ = serving;
  parts_->health.SetServing(serving);
}

int CourierServer::port() const {
  std::lock_guard<std::mutex> lock(mu_);
  return port_;
}

std::vector<std::string> CourierServer::MethodNames() const {
  std::lock_guard<std::mutex> lock(mu_);  // registration may still be going on
  return parts_->registry.Names();
}

}  // namespace lp
