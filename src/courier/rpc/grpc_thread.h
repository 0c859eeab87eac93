// OnGrpcThread: marks lp code running on one of gRPC's callback threads.
#ifndef LP_SRC_COURIER_RPC_GRPC_THREAD_H_
#define LP_SRC_COURIER_RPC_GRPC_THREAD_H_

namespace lp::rpc {

namespace internal_grpc_thread {
inline thread_local int depth = 0;
}  // namespace internal_grpc_thread

// The scope of code that gRPC's callback threads run for us and that may run user code: an
// inline handler, and a client call's completion with the Future continuations it runs. A
// synchronous Courier call made inside (which such code should not make, but may) must not
// wait for another of gRPC's few callback threads to deliver its reply — they may all be
// waiting the same way — so CourierChannel::Call polls a queue of its own there
// (IsOnGrpcThread). Scopes nest. Not shared between threads.
class OnGrpcThread {
 public:
  OnGrpcThread() { ++internal_grpc_thread::depth; }
  ~OnGrpcThread() { --internal_grpc_thread::depth; }
  OnGrpcThread(const OnGrpcThread&) = delete;
  OnGrpcThread& operator=(const OnGrpcThread&) = delete;
};

inline bool IsOnGrpcThread() { return internal_grpc_thread::depth > 0; }

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_GRPC_THREAD_H_
