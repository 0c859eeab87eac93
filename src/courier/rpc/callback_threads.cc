#include "src/courier/rpc/callback_threads.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/support/client_callback.h>

#include <condition_variable>
#include <memory>
#include <mutex>

#include "src/courier/rpc/grpc_library.h"

namespace lp::rpc {

void KeepCallbackQueueAlive() {
  // Function-local static: initialised once, thread-safely.
  static const bool kept = [] {
    KeepGrpcInitialized();
    // A channel to an abstract Unix socket nobody listens on, whose one call is cancelled
    // before it starts: the call ends at once, and the channel stays idle. (A call that
    // started, even with no time left, made the channel resolve its target, build its
    // load balancer and subchannel and start connecting: ~0.4 ms of CPU in every process,
    // a tenth of a forked worker's start; docs/performance.md, "Launch of 100".) Should the
    // channel connect after all, it would not try again for a day. Never deleted: its
    // reference to the queue is the point. Held by a static, so that LeakSanitizer sees
    // it reachable rather than leaked (a local pointer made every ASan test of a Courier
    // server fail at exit).
    grpc::ChannelArguments arguments;
    constexpr int kDayMs = 24 * 3600 * 1000;
    arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, kDayMs);
    arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, kDayMs);
    arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kDayMs);
    static std::shared_ptr<grpc::Channel>* const keeper =
        new std::shared_ptr<grpc::Channel>(grpc::CreateCustomChannel(
            "unix-abstract:lp-callback-queue-keeper", grpc::InsecureChannelCredentials(),
            arguments));
    // A channel takes its reference to the queue when its first callback call is made,
    // before the call starts: a cancelled call takes it too.
    const grpc::internal::RpcMethod method("/lp.CallbackQueueKeeper/Nothing",
                                           grpc::internal::RpcMethod::NORMAL_RPC);
    grpc::ClientContext context;
    context.TryCancel();
    grpc::Slice empty("");
    grpc::ByteBuffer request(&empty, 1);
    grpc::ByteBuffer reply;
    std::mutex mu;
    std::condition_variable finished;
    bool done = false;
    grpc::internal::CallbackUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
        keeper->get(), method, &context, &request, &reply, [&](grpc::Status) {
          std::lock_guard lock(mu);
          done = true;
          finished.notify_all();  // under the lock: the waiter's frame goes once it wakes
        });
    std::unique_lock lock(mu);
    finished.wait(lock, [&] { return done; });
    return true;
  }();
  (void)kept;
}

}  // namespace lp::rpc
