// CallEnds: where a server's finished calls wait to be freed, collected in batches.
#ifndef LP_SRC_COURIER_RPC_CALL_ENDS_H_
#define LP_SRC_COURIER_RPC_CALL_ENDS_H_

#include <grpcpp/completion_queue.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>

namespace lp::rpc {

// A call served through gRPC's asynchronous API comes back twice after it arrived: once
// its reply is sent, and once it is over (ServerContext::AsyncNotifyWhenDone). Both only
// free the call. Returned through the queue the handler threads wait in, each woke an idle
// thread: at one call in flight that made 3.1-3.4 context switches per call on the server
// against 2.0 for gRPC's synchronous server, which replies from the handler's thread
// (docs/performance.md, "The ends of calls, collected"). So those completions come here
// instead: to a queue that no thread waits in, and that never polls sockets when emptied
// (GRPC_CQ_NON_POLLING; a thread polling the server's queue drives every call's I/O).
// They are collected:
// - by a thread that has just sent a reply, once kRepliesPerCollection replies or
//   kBytesPerCollection bytes of replies have been sent since the last collection;
// - by an idle handler thread, after it has waited kIdleCollection for work while a
//   replied call is not yet freed (HandlerExecutor::Poll): so an idle server frees its
//   last replies, however large, instead of keeping them until the next calls;
// - by an alarm kIdleCollection later, when no idle thread waits to collect and none may
//   go idle soon: a handler thread started to wait on another node, or a reply was sent
//   from a thread outside the pool (HandlerExecutor::CollectEndsSoon);
// - before a call that waited in the executor's queue runs, so that it sees whether its
//   caller has gone (the end of a cancelled call comes here too);
// - while the server shuts down, until every call is freed.
// A sent reply's memory (and the call's gRPC state) is released when its call is
// collected: on a busy server within about kRepliesPerCollection replies or
// kBytesPerCollection bytes sent after it, on an idle one within kIdleCollection of its
// end (up to kLongestIdleCollection while another call's client does not read its reply).
// A handler that computes without waiting, on a server that gets no other call meanwhile,
// delays the freeing of the calls replied before it until it returns.
//
// Thread safety: every method may be called from any thread, concurrently. The queue must
// be given no tag once Shutdown() has begun.
class CallEnds {
 public:
  static constexpr int kRepliesPerCollection = 16;
  static constexpr std::size_t kBytesPerCollection = std::size_t{1} << 20;
  static constexpr std::chrono::milliseconds kIdleCollection{5};
  // An idle thread that found nothing to collect waits twice as long the next time, up to
  // this: a call whose reply its client does not read (a stopped process) stays replied
  // and not freed, and must not wake an otherwise idle server every kIdleCollection.
  static constexpr std::chrono::milliseconds kLongestIdleCollection{1000};

  CallEnds();
  // Shutdown().
  ~CallEnds();

  CallEnds(const CallEnds&) = delete;
  CallEnds& operator=(const CallEnds&) = delete;

  // The queue for the tags of served calls' replies and ends (each tag a CompletionTag).
  grpc::CompletionQueue* queue() { return queue_.get(); }

  // A call's reply of `bytes` was just given to gRPC with a tag of queue(). The call counts
  // as replied until Freed(). Collects what has come in once enough replies or bytes have
  // been sent since the last collection. Not under a lock that the completed tags take.
  void Replied(std::size_t bytes);
  // A call counted by Replied() is gone.
  void Freed() { replied_not_freed_.fetch_sub(1, std::memory_order_relaxed); }
  // Whether a replied call is not yet freed: its completions may be waiting here.
  bool AnyReplied() const { return replied_not_freed_.load(std::memory_order_relaxed) > 0; }

  // Completes every tag already in the queue, on this thread; returns how many.
  int Collect();
  // Waits up to `timeout` for a tag, then collects what has come.
  void CollectWithin(std::chrono::milliseconds timeout);

  // Shuts the queue down and completes whatever is left in it, once no tag can be given
  // to the queue any more. A second call returns at once.
  void Shutdown();

 private:
  std::unique_ptr<grpc::CompletionQueue> queue_;
  std::atomic<int> replied_not_freed_{0};
  // Since the last collection Replied() started.
  std::atomic<int> replies_{0};
  std::atomic<std::size_t> reply_bytes_{0};
  std::atomic<bool> shut_down_{false};
};

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_CALL_ENDS_H_
