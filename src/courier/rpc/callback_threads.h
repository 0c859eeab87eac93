// Channels are released off gRPC's callback threads.
//
// gRPC 1.51 (Debian 12) runs the callbacks of a process's asynchronous calls and of its
// callback servers on the threads of one shared completion queue. It shuts that queue down,
// joining its threads, when the queue's last user (a grpc::Channel or grpc::Server) is
// destroyed. When that happens on one of those threads, the thread tries to join itself,
// which fails without a word, and then goes on polling the deleted queue: an abort
// ("assertion failed: prior > 0") or a thread that never ends. It happened when the last
// reference to a channel went with the callback of its last call, as a program stopped.
//
// So the code Courier runs on those threads is marked (GrpcCallbackScope), and a channel
// made by ReleasedOffCallbackThreads whose last reference goes inside such a scope is
// destroyed on a short-lived thread of its own.
#ifndef LP_SRC_COURIER_RPC_CALLBACK_THREADS_H_
#define LP_SRC_COURIER_RPC_CALLBACK_THREADS_H_

#include <grpcpp/channel.h>

#include <memory>

namespace lp::rpc {

// Marks the current thread as running a gRPC callback for as long as it exists. Nests.
// Not shared between threads: it lives on the stack of the thread it marks.
class GrpcCallbackScope {
 public:
  GrpcCallbackScope();
  ~GrpcCallbackScope();
  GrpcCallbackScope(const GrpcCallbackScope&) = delete;
  GrpcCallbackScope& operator=(const GrpcCallbackScope&) = delete;
};

// True inside a GrpcCallbackScope on this thread.
bool OnGrpcCallbackThread();

// `channel`, as a pointer whose last copy, when destroyed inside a GrpcCallbackScope, hands
// the channel to a new thread to destroy. Copies may be used from any thread.
std::shared_ptr<grpc::Channel> ReleasedOffCallbackThreads(std::shared_ptr<grpc::Channel> channel);

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_CALLBACK_THREADS_H_
