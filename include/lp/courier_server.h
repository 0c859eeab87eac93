// CourierServer: serves named methods over gRPC as courier.CourierService.
//
//   lp::CourierServer server;
//   server.RegisterMethod("Echo", [](courier::CallArguments& args)
//       -> absl::StatusOr<courier::SerializedObject> { return std::move(*args.mutable_args(0)); });
//   absl::StatusOr<int> port = server.Start("[::]:0");   // port 0: the OS picks
//   ...
//   server.Shutdown(absl::Now() + absl::Seconds(5));
//
// Errors seen by callers (see MethodRegistry::Dispatch for the exact messages):
//   unknown method -> NOT_FOUND listing the methods; keyword arguments -> INVALID_ARGUMENT;
//   a handler that throws -> UNKNOWN with the method name and what(); a handler's error
//   status -> that code, message prefixed with the method name; undecodable request
//   bytes -> INVALID_ARGUMENT saying which part; a reply over the send limit ->
//   RESOURCE_EXHAUSTED naming the method and the size (see message_limits.h); a call
//   without the secret (SetSecret) -> UNAUTHENTICATED; a call while max_concurrent_handlers
//   calls are running or queued -> RESOURCE_EXHAUSTED, its handler not run. The server
//   keeps serving after any of these.
#ifndef LP_COURIER_SERVER_H_
#define LP_COURIER_SERVER_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lp/courier_server_options.h"
#include "lp/internal/courier_handler.h"

namespace lp {

namespace rpc {
struct TransportSecurity;  // src/courier/rpc/transport_security.h
}  // namespace rpc

// Thread safety: every public method may be called from any thread, concurrently.
// Methods must be registered before Start(). Handlers run concurrently on the server's own
// pool of handler threads (CourierServerOptions::handler_threads), never on gRPC's: the
// thread that takes a call off the server's completion queue runs it, beyond the bound only
// if it is registered to run inline (CourierMethodOptions); a call waiting for a free
// thread holds none, nor does a deferred method's call waiting to end.
class CourierServer {
 public:
  explicit CourierServer(CourierServerOptions options = {});
  // Shuts down with an immediate deadline (pending calls are cancelled) and waits for
  // running handlers to return. Must not run on one of this server's handler threads.
  ~CourierServer();

  CourierServer(const CourierServer&) = delete;
  CourierServer& operator=(const CourierServer&) = delete;

  // Adds a method. FAILED_PRECONDITION once Start() was called; ALREADY_EXISTS for a
  // duplicate name. `options`: see CourierMethodOptions (run_inline).
  absl::Status RegisterMethod(std::string name, CourierHandler handler,
                              CourierMethodOptions options = {});
  // The same for a handler that returns its result (see ReturningHandler), e.g.
  //   [](courier::CallArguments& args) -> absl::StatusOr<courier::SerializedObject> {...}
  template <typename F>
    requires(!std::is_convertible_v<F, CourierHandler>)
  absl::Status RegisterMethod(std::string name, F handler, CourierMethodOptions options = {}) {
    return RegisterMethod(std::move(name), ReturningHandler(std::move(handler)), options);
  }

  // Adds a method whose calls may end later, holding no handler thread while they wait
  // (see DeferredCourierHandler; batched methods are registered this way). With
  // options.run_inline, its small calls are taken at once by the thread that took them off
  // gRPC's queue, even when every handler thread is busy: the handler only decodes and
  // parks them there, and must not block (see CourierMethodOptions::run_inline).
  absl::Status RegisterDeferredMethod(std::string name, DeferredCourierHandler handler,
                                      CourierMethodOptions options = {});

  // Makes every Call and ListMethods carry `secret` in gRPC metadata 'lp-secret'
  // (rpc::kSecretMetadataKey), unless options.require_secret is false; others are refused
  // with UNAUTHENTICATED, in messages that name the server as `server_name` ("node
  // learner/0"). Empty `secret`: no check (the default). FAILED_PRECONDITION once
  // Start() was called.
  absl::Status SetSecret(std::string secret, std::string server_name);

  // Binds and starts serving. `bind_address` is a gRPC address such as "127.0.0.1:0",
  // "[::]:0", "0.0.0.0:8080" or "unix:/path"; port 0 lets the OS choose. Returns the
  // port actually bound (gRPC reports 1 for unix sockets). With `security`, it serves
  // mutual TLS only (callers must present a certificate its CAs accept); null: plain TCP.
  // Can be called once.
  absl::StatusOr<int> Start(const std::string& bind_address,
                            const rpc::TransportSecurity* security = nullptr);

  // Stops accepting calls, lets in-flight calls finish until `deadline`, then cancels
  // them (a cancelled call still waiting for a handler thread does not run), and waits for
  // all handlers to return (a running handler cannot be abandoned, so a handler that
  // never returns blocks this); then the handler threads are joined. Idempotent;
  // concurrent callers all return once the server is down. Called from inside one of this
  // server's handlers (inline ones too) it cannot wait for itself: it then starts the
  // shutdown on a helper thread and returns.
  void Shutdown(absl::Time deadline = absl::Now());

  // Reports SERVING / NOT_SERVING through grpc.health.v1.Health (overall status "").
  // Before Start() the value is remembered; the server starts SERVING by default.
  void SetServing(bool serving);

  // The bound port; 0 before a successful Start().
  int port() const;

  // Registered method names, sorted (what ListMethods returns).
  std::vector<std::string> MethodNames() const;

 private:
  enum class State { kNew, kServing, kShuttingDown, kShutDown };

  void ShutdownAndWait(absl::Time deadline);
  // FAILED_PRECONDITION naming `method` once Start() was called. Requires mu_.
  absl::Status CheckNotStarted(const std::string& method) const;
  // Listens on the server's Unix socket for clients of this host (src/courier/rpc/
  // local_socket.h), if it can; by Start(), under mu_.
  void ListenLocally(const std::string& bind_address, int port);

  // The methods, the gRPC service that dispatches to them and the gRPC server (in
  // server.cc, so that this header needs no gRPC).
  struct Parts;

  const CourierServerOptions options_;
  const std::unique_ptr<Parts> parts_;

  // std::mutex rather than absl::Mutex: visible to ThreadSanitizer with system Abseil.
  mutable std::mutex mu_;
  std::condition_variable shut_down_;  // signalled when state_ becomes kShutDown
  State state_ = State::kNew;          // guarded by mu_
  bool serving_ = true;                // guarded by mu_
  int port_ = 0;                       // guarded by mu_
  // Runs a Shutdown() requested from a handler thread; joined by the destructor.
  std::thread shutdown_thread_;  // guarded by mu_
};

}  // namespace lp

#endif  // LP_COURIER_SERVER_H_
