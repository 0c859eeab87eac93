// gRPC's shared callback queue, kept for the life of the process.
//
// gRPC 1.51 (Debian 12) runs the callbacks of a process's asynchronous calls and of its
// callback servers on the threads of one shared completion queue. It shuts that queue down,
// joining its threads, when the queue's last user (a grpc::Channel or grpc::Server) is
// destroyed. When that happens on one of those very threads (the last reference to a
// channel went with the callback of its last call, as a program stopped), the thread tries
// to join itself, which fails without a word, and goes on polling the deleted queue: an
// abort ("assertion failed: prior > 0") or a thread that never ends. The last reference
// can go on such a thread in too many ways to hand each elsewhere (a call's ClientContext
// holds one of its own), so the queue is given a user that never goes away instead.
//
// Only processes that use the callback API get the queue and its threads, so this is
// called where lp uses it (CourierChannel's asynchronous calls, the coordinator's server)
// rather than when gRPC is initialised: a worker that makes no asynchronous call runs none
// of those threads, which wake about ten times a second each however idle the process is
// (docs/performance.md, "A worker without gRPC's callback threads").
#ifndef LP_SRC_COURIER_RPC_CALLBACK_THREADS_H_
#define LP_SRC_COURIER_RPC_CALLBACK_THREADS_H_

namespace lp::rpc {

// Makes sure gRPC's shared callback queue has a user for the rest of the process: a
// channel that can reach nothing, kept for ever, which made one callback call. Its
// threads (two here) then live as long as the process. Call it before the process's first
// use of gRPC's callback API. Thread-safe; cheap after the first call (a load). Must not be
// first called on one of gRPC's callback threads (there are none before it).
void KeepCallbackQueueAlive();

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_CALLBACK_THREADS_H_
