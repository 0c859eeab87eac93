// HoldRecord: whether the calls of one method may keep the server's queue while they run.
#ifndef LP_SRC_COURIER_RPC_HOLD_RECORD_H_
#define LP_SRC_COURIER_RPC_HOLD_RECORD_H_

#include <algorithm>
#include <atomic>
#include <chrono>

namespace lp::rpc {

// A handler that may block usually does not, and most return within microseconds. So the
// thread that takes such a call serves it while keeping the server's completion queue, as
// it does an inline method's, and wakes no other thread to take the queue over: a wake-up
// and a context switch cost about as much CPU as a small call (docs/performance.md). The
// calls behind it wait meanwhile, so a call only keeps the queue when its method's calls
// are short: a method whose calls take longer to serve than kShortCall (their parse,
// handler and reply, on the thread that took them) is better served by two threads, on two
// cores, than by one. Should a call keep the queue and then block (a lock, a wait on
// another node), the server takes the queue over from it (HandlerExecutor, "Calls that
// may block keep the queue"), and its time makes the method long for its next calls.
//
// Thread safety: any thread, concurrently; relaxed atomics, as the figure is a hint.
class HoldRecord {
 public:
  using Clock = std::chrono::steady_clock;

  // How long a call of a method that keeps the queue usually takes, at most.
  static constexpr Clock::duration kShortCall = std::chrono::microseconds(30);

  // `short_call`: kShortCall but in tests, which need calls that stay short on a busy
  // machine under a sanitizer.
  explicit HoldRecord(Clock::duration short_call = kShortCall)
      : short_call_(short_call.count()) {}

  // Whether a call of the method that arrives now may keep the queue.
  bool MayHold() const { return typical_.load(std::memory_order_relaxed) <= short_call_; }

  // How long a call that waited on another node counts as having taken, at least: such a
  // method is likely to wait again, and whatever its wait took, its queue is better
  // handed over at once.
  static constexpr Clock::duration kWaitedCall = std::chrono::milliseconds(1);

  // A call of the method took `took` to serve, and may have waited on another node. One
  // call that took long (it blocked, or its thread was preempted) makes the method long for
  // a few dozen calls at most.
  void Served(Clock::duration took, bool waited_on_another_node = false) {
    if (waited_on_another_node) took = std::max(took, kWaitedCall);
    const Clock::rep typical = typical_.load(std::memory_order_relaxed);
    typical_.store(typical + (took.count() - typical) / kWeight, std::memory_order_relaxed);
  }

 private:
  // An exponentially weighted mean: each call counts for 1 / kWeight.
  static constexpr Clock::rep kWeight = 8;
  const Clock::rep short_call_;         // Clock ticks
  std::atomic<Clock::rep> typical_{0};  // Clock ticks
};

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_HOLD_RECORD_H_
