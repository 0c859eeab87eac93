// An edge that ThreadSanitizer sees between threads that hand each other a call through
// Debian's uninstrumented gRPC.
#ifndef LP_SRC_COURIER_RPC_TSAN_EDGE_H_
#define LP_SRC_COURIER_RPC_TSAN_EDGE_H_

#include <atomic>

namespace lp::rpc {

// Whatever a thread did before it called TsanEdge() happens, for ThreadSanitizer, before
// whatever another thread does after a later TsanEdge(). gRPC orders those itself, under
// locks TSan cannot see in Debian's build (tests/tsan_suppressions.txt), and over a socket
// nothing is shared anyway; but gRPC's in-process transport hands a request's bytes from the
// client's thread to the server's, and the reply's back, in memory. So a client calls it
// just before it makes an in-process call and when the call has ended (InProcessGate), and
// a server's threads when they give a tag to gRPC and take one back (CompletionTag).
// Nothing outside a ThreadSanitizer build.
inline void TsanEdge() {
#if defined(__SANITIZE_THREAD__)
  static std::atomic<unsigned> edge{0};
  edge.fetch_add(1, std::memory_order_acq_rel);
#endif
}

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_TSAN_EDGE_H_
