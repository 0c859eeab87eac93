// HandlerExecutor: the bounded pool of threads on which a CourierServer runs handlers.
#ifndef LP_SRC_COURIER_RPC_HANDLER_EXECUTOR_H_
#define LP_SRC_COURIER_RPC_HANDLER_EXECUTOR_H_

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "lp/internal/blocking_region.h"

namespace lp::rpc {

// Runs tasks in arrival order on at most `max_threads` running threads of its own; tasks
// beyond them wait in an unbounded queue (the server bounds what it submits). gRPC's
// callback threads must not run user handlers, which may block: they hand each call here.
//
// Threads are started on demand, when a task arrives and no idle thread can take it: a
// server that never sees concurrent calls has one. One thread at a time is woken (or
// started) for the queue; when it takes a task and more are queued, it wakes the next.
// So a burst of calls costs a wake-up for each thread it keeps busy, not one per call,
// and a call that a thread finishing its task takes first costs none. On this VM a
// context switch costs as much CPU as a small call (docs/performance.md).
//
// A thread that waits on another node inside a task (a synchronous Courier call, a
// Future, a batch to fill: internal::BlockingRegion) does not count against max_threads
// while it waits, and a thread is started in its place if tasks are queued. Nodes whose
// handlers call each other in a cycle therefore make progress however many calls are in
// flight, as they did when every call had a thread. Such extra threads are bounded by
// kMaxExtraThreads, and retire once they have been idle for kSurplusIdle while more than
// max_threads threads are not waiting.
//
// Thread safety: Submit() and OnExecutorThread() may be called from any thread,
// concurrently. Shutdown() may be called from any thread but the executor's own.
class HandlerExecutor : private internal::BlockingObserver {
 public:
  using Task = absl::AnyInvocable<void() &&>;

  // Beyond max_threads, at most this many threads are started in place of waiting ones
  // (the bound of the thread-per-call server this pool replaced).
  static constexpr int kMaxExtraThreads = 1024;

  // `max_threads` < 1 is taken as 1.
  explicit HandlerExecutor(int max_threads);
  // Shutdown(): runs what is queued, joins the threads.
  ~HandlerExecutor();

  HandlerExecutor(const HandlerExecutor&) = delete;
  HandlerExecutor& operator=(const HandlerExecutor&) = delete;

  // Queues `task` for a thread. False once Shutdown() has begun: `task` is then destroyed
  // without running, and the caller must end whatever it stood for.
  bool Submit(Task task);

  // Refuses new tasks, lets the threads run every task already queued, and joins them.
  // Idempotent; concurrent callers all return once the threads are joined.
  void Shutdown();

  // True on one of this executor's threads (e.g. a handler asking to shut its server
  // down, which must not wait for itself).
  bool OnExecutorThread() const;

  // Threads alive now: at most max_threads, plus those started in place of waiting ones.
  int threads_alive() const;
  // Threads waiting for a task now.
  int threads_idle() const;

 private:
  // How long a thread beyond max_threads stays idle before it retires.
  static constexpr auto kSurplusIdle = std::chrono::seconds(2);

  void Work();
  // If tasks are queued and no thread is on its way to the queue, wakes an idle thread,
  // or starts one if none is idle and fewer than max_threads threads are running (not
  // waiting). Requires mu_.
  void StartThreadIfNeeded();
  // Called by a thread each time it is about to look at the queue after a wake-up (or
  // its start): it is no longer on its way. Requires mu_.
  void LookedAtQueue();
  // Threads that retired, to be joined (outside mu_). Requires mu_.
  std::vector<std::thread> TakeRetired();

  // internal::BlockingObserver, called on this executor's threads.
  void OnBlock() override;
  void OnUnblock() override;

  const int max_threads_;

  // std::mutex rather than absl::Mutex: visible to ThreadSanitizer with system Abseil.
  mutable std::mutex mu_;
  std::condition_variable work_;  // a task was queued, or stopping_ became true
  std::deque<Task> queue_;        // guarded by mu_
  // Live threads by id; moved out by Shutdown(). Guarded by mu_.
  std::map<std::thread::id, std::thread> threads_;
  std::vector<std::thread> retired_;  // guarded by mu_: exited, not yet joined
  int alive_ = 0;                     // guarded by mu_: started and not yet exited
  int idle_ = 0;                      // guarded by mu_: threads waiting on work_
  int blocked_ = 0;                   // guarded by mu_: threads in a BlockingRegion
  // Guarded by mu_: threads woken or started for the queue that have not looked at it
  // yet; 0 or 1. (A spurious wake-up may count as the awaited one: then one more thread
  // is woken than needed, never one fewer.)
  int waking_ = 0;
  bool stopping_ = false;             // guarded by mu_

  // Serializes Shutdown(): a second caller waits until the first has joined the threads.
  std::mutex shutdown_mu_;
};

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_HANDLER_EXECUTOR_H_
