// CourierChannel: the client side of Courier RPC, untyped (CallArguments in, SerializedObject out).
//
//   auto channel = lp::CourierChannel::Create("127.0.0.1:12345");
//   courier::CallArguments args;
//   args.add_args()->set_int_value(7);
//   absl::StatusOr<courier::SerializedObject> r =
//       channel->Call("Echo", std::move(args), lp::CallOptions::WithTimeout(absl::Seconds(5)));
//
// Errors come back as the server sent them (code and message untouched); transport
// failures carry gRPC's codes (DEADLINE_EXCEEDED, UNAVAILABLE, ...). The wire types are
// only declared here (see lp/internal/serialization/wire.h): code that builds or reads
// them, as above, includes "courier/courier.pb.h".
#ifndef LP_COURIER_CHANNEL_H_
#define LP_COURIER_CHANNEL_H_

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lp/future.h"
#include "lp/call_options.h"
#include "lp/courier_channel_options.h"
#include "lp/internal/outgoing_call.h"
#include "lp/internal/serialization/wire.h"
#include "lp/internal/wait_driver.h"

namespace lp {

// Receives the outcome of CallAsync, exactly once.
using CallCallback = absl::AnyInvocable<void(absl::StatusOr<courier::SerializedObject>) &&>;

// One connection (a gRPC channel and stub) to one Courier server, created on first use.
// Always held by shared_ptr; copy the pointer to share the connection between clients.
//
// Thread safety: all methods may be called concurrently from any thread. Once the
// target is known, calls take no lock. In-flight async calls keep the underlying gRPC
// channel alive, so the CourierChannel may be destroyed before they complete.
class CourierChannel {
 public:
  // A channel to a known gRPC target, e.g. "127.0.0.1:5000" or "unix:/tmp/node.sock".
  static std::shared_ptr<CourierChannel> Create(std::string target,
                                                CourierChannelOptions options = {});
  // A channel whose target `resolver` finds on first use (see AddressResolver).
  static std::shared_ptr<CourierChannel> Create(AddressResolver resolver,
                                                CourierChannelOptions options = {});

  ~CourierChannel();
  CourierChannel(const CourierChannel&) = delete;
  CourierChannel& operator=(const CourierChannel&) = delete;

  // Calls `method` and blocks for its result.
  absl::StatusOr<courier::SerializedObject> Call(std::string_view method,
                                                 courier::CallArguments args,
                                                 const CallOptions& options = {});

  // Starts a call and returns at once; `done` runs exactly once with the outcome: on a
  // thread of lp's that reads replies, or on a thread that waits meanwhile for the Future
  // of another call through a socket (or, for a call to a server of this process, on one
  // of gRPC's threads); keep it short, never block in it. On the calling thread if the
  // call fails before it is sent. No thread is created per call. Caveat: the first call
  // of a resolver-based channel runs the resolver on the calling thread (bounded by the
  // deadline); use Connect() beforehand to avoid that.
  void CallAsync(std::string_view method, courier::CallArguments args,
                 const CallOptions& options, CallCallback done);

  // CallAsync with a Future; its errors name `method` (lp::RpcError::method()).
  Future<courier::SerializedObject> CallFuture(std::string_view method,
                                               courier::CallArguments args,
                                               const CallOptions& options = {});

  // The server's method names, sorted.
  absl::StatusOr<std::vector<std::string>> ListMethods(const CallOptions& options = {});

  // Resolves the target now instead of on the first call. OK if already resolved.
  absl::Status Connect(absl::Time deadline = absl::InfiniteFuture());

  // The gRPC target this channel talks to ("127.0.0.1:40123"), resolving it if needed.
  absl::StatusOr<std::string> Target(absl::Time deadline = absl::InfiniteFuture());

 private:
  friend internal::WaitDriver* internal::StartCall(CourierChannel&, std::string_view,
                                                   internal::OutgoingArguments,
                                                   const CallOptions&, internal::ReplyCallback);

  // CallAsync. Returns what a thread waiting for the call's result should work with
  // meanwhile (Promise::SetWaitDriver), or null if it should just sleep.
  internal::WaitDriver* StartCall(std::string_view method, courier::CallArguments args,
                                  const CallOptions& options, CallCallback done);

  // What a resolved channel talks through (a gRPC channel and stub, in channel.cc).
  // Created once, then immutable.
  struct Connection;

  CourierChannel(AddressResolver resolver, CourierChannelOptions options);

  // The connection, resolving the target first if needed (lock-free once resolved).
  absl::StatusOr<const Connection*> GetConnection(absl::Time deadline);
  absl::StatusOr<const Connection*> Resolve(absl::Time deadline);
  std::unique_ptr<Connection> MakeConnection(std::string target) const;

  const CourierChannelOptions options_;
  const AddressResolver resolver_;  // null for a fixed target

  std::atomic<const Connection*> connection_{nullptr};  // published once, never changed
  // std::mutex rather than absl::Mutex: visible to ThreadSanitizer with system Abseil.
  std::mutex mu_;
  std::condition_variable resolver_idle_;          // signalled when resolving_ turns false
  bool resolving_ = false;                         // guarded by mu_
  std::unique_ptr<Connection> owned_connection_;  // guarded by mu_
};

}  // namespace lp

#endif  // LP_COURIER_CHANNEL_H_
