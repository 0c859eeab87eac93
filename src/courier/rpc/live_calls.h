// LiveCalls: how many calls of a service still hold a place on a server's completion queue.
#ifndef LP_SRC_COURIER_RPC_LIVE_CALLS_H_
#define LP_SRC_COURIER_RPC_LIVE_CALLS_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>

namespace lp::rpc {

// gRPC aborts the process when a call's reply, or a request for the next call, meets a
// completion queue that is shut down. So every slot asked of gRPC counts here from the
// moment it is made until nothing of it is left, and a server shuts its queues down only
// once the count is 0 (after grpc::Server::Shutdown, which gives every slot still waiting
// for a call back, empty).
//
// That last promise fails for a slot asked for while the server shuts down: gRPC 1.51
// checks that it is not shutting down, then queues the request, and the shutdown may fail
// every queued request and mark itself begun in between. That slot never comes back, and
// the wait for the count to reach 0 hangs (seen about once in 30 000 stops of an RL
// program under local_mt). So slots are asked for through AskUnlessStopped, and a server
// calls StopAsking before it shuts down: no request for a call is under way or made from
// then on.
//
// Thread safety: all methods may be called from any thread, concurrently.
class LiveCalls {
 public:
  // Runs `ask` (which makes a slot: counts it here with Add, and asks gRPC for a call into
  // it) unless StopAsking has been called. Whether it ran.
  template <typename Ask>
  bool AskUnlessStopped(Ask ask) {
    std::shared_lock<std::shared_mutex> lock(asking_);
    if (stopped_asking_) return false;
    ask();
    return true;
  }

  // From its return on, no `ask` of AskUnlessStopped runs: none is under way, none starts.
  void StopAsking() {
    std::unique_lock<std::shared_mutex> lock(asking_);
    stopped_asking_ = true;
  }

  void Add() { live_.fetch_add(1, std::memory_order_relaxed); }

  void Remove() {
    // Only the last one takes the lock: while serving, slots asked for keep the count up.
    if (live_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    std::lock_guard<std::mutex> lock(mu_);  // the waiter checks under it, then waits
    none_.notify_all();
  }

  // Returns once the count is 0.
  void WaitForNone() {
    std::unique_lock<std::mutex> lock(mu_);
    none_.wait(lock, [this] { return None(); });
  }

  // Whether the count is 0, waiting for it up to `timeout`.
  bool WaitForNoneFor(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return none_.wait_for(lock, timeout, [this] { return None(); });
  }

 private:
  bool None() const { return live_.load(std::memory_order_acquire) == 0; }

  // Held shared while a slot is asked for, exclusively to stop asking.
  std::shared_mutex asking_;
  bool stopped_asking_ = false;  // guarded by asking_
  std::atomic<int> live_{0};
  std::mutex mu_;                 // for none_
  std::condition_variable none_;  // live_ dropped to 0
};

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_LIVE_CALLS_H_
