// HandlerExecutor: the bounded pool of threads on which a CourierServer runs handlers.
#ifndef LP_SRC_COURIER_RPC_HANDLER_EXECUTOR_H_
#define LP_SRC_COURIER_RPC_HANDLER_EXECUTOR_H_

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"

namespace lp::rpc {

// Runs tasks in arrival order on at most `max_threads` threads of its own; tasks beyond
// them wait in an unbounded queue (the server bounds what it submits). gRPC's callback
// threads must not run user handlers, which may block (a batched call waits for its
// batch, a handler calls another node synchronously): they hand each call here instead.
//
// Threads are started on demand, when a task arrives and no idle thread can take it, and
// then live until Shutdown(): a server that never sees concurrent calls has one.
//
// Thread safety: Submit() and OnExecutorThread() may be called from any thread,
// concurrently. Shutdown() may be called from any thread but the executor's own.
class HandlerExecutor {
 public:
  using Task = absl::AnyInvocable<void() &&>;

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

  // Threads started so far (never more than max_threads).
  int threads_started() const;

 private:
  void Work();

  const int max_threads_;

  // std::mutex rather than absl::Mutex: visible to ThreadSanitizer with system Abseil.
  mutable std::mutex mu_;
  std::condition_variable work_;  // a task was queued, or stopping_ became true
  std::deque<Task> queue_;        // guarded by mu_
  std::vector<std::thread> threads_;  // guarded by mu_; moved out by Shutdown()
  int started_ = 0;                   // guarded by mu_: threads ever started
  int idle_ = 0;                      // guarded by mu_: threads waiting on work_
  bool stopping_ = false;             // guarded by mu_

  // Serializes Shutdown(): a second caller waits until the first has joined the threads.
  std::mutex shutdown_mu_;
};

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_HANDLER_EXECUTOR_H_
