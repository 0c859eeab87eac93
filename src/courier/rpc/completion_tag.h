// CompletionTag: what a Courier server gives gRPC as the tag of an asynchronous operation.
#ifndef LP_SRC_COURIER_RPC_COMPLETION_TAG_H_
#define LP_SRC_COURIER_RPC_COMPLETION_TAG_H_

#include <atomic>

#include "src/courier/rpc/tsan_edge.h"

namespace lp::rpc {

// A completion of a queue that a server's threads take tags from (HandlerExecutor::Poll,
// CallEnds): the tag given to gRPC is a CompletionTag*, and the thread that takes it back
// calls Complete(), which calls OnComplete.
//
// gRPC's queue orders what a thread did before it gave a tag to gRPC before what the
// thread that takes it back does, but ThreadSanitizer cannot see that inside Debian's
// uninstrumented gRPC. So whoever gives a tag to gRPC calls Handed() just before, and
// Complete() acquires that before OnComplete: an edge TSan does see.
class CompletionTag {
 public:
  virtual void OnComplete(bool ok) = 0;

  // Just before the tag goes to gRPC (a request, a reply, an alarm).
  void Handed() {
    TsanEdge();  // a reply's bytes, read by an in-process caller's thread
    handed_.store(true, std::memory_order_release);
  }

  // Hands `tag`, just taken back from a queue with `ok`, to its CompletionTag.
  static void Complete(void* tag, bool ok) {
    auto* completion = static_cast<CompletionTag*>(tag);
    (void)completion->handed_.load(std::memory_order_acquire);
    TsanEdge();  // a request's bytes, written by an in-process caller's thread
    completion->OnComplete(ok);
  }

 protected:
  ~CompletionTag() = default;

 private:
  std::atomic<bool> handed_{false};
};

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_COMPLETION_TAG_H_
