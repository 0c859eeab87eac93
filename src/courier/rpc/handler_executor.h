// HandlerExecutor: the bounded pool of threads on which a CourierServer runs handlers.
#ifndef LP_SRC_COURIER_RPC_HANDLER_EXECUTOR_H_
#define LP_SRC_COURIER_RPC_HANDLER_EXECUTOR_H_

#include <grpcpp/completion_queue.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "lp/internal/blocking_region.h"
#include "src/courier/rpc/call_ends.h"
#include "src/courier/rpc/completion_tag.h"
#include "src/courier/rpc/hold_record.h"

namespace lp::rpc {

// Runs tasks in arrival order on at most `max_threads` running threads of its own; tasks
// beyond them wait in an unbounded queue (the server bounds what it submits).
//
// A CourierServer's executor also takes its calls off gRPC (Poll): its idle threads
// wait in the server's completion queue, and the thread that takes a call runs its
// handler itself (RunOnArrival), while another thread takes over the queue. So a call
// costs no hand-off from a gRPC thread to a handler thread and back, and user code still
// never runs on gRPC's own threads. One thread more than max_threads may then be alive:
// the one that waits in the queue while max_threads run handlers, and queues the calls
// that find them all busy (docs/performance.md, "Serving calls on the threads that take them").
// A short call keeps the queue instead: no thread is started or woken to take over, and
// the calls behind it wait until it returns. An inline method's handler promised not to
// block (Arrival::kInline); any other handler may, so it keeps the queue only if its
// method's calls are usually short (HoldRecord), and while it does an idle thread watches
// it from outside the queue and takes the queue over if the call outlasts kHoldLimit; the
// thread hands the queue over at once if the handler starts to wait on another node.
// While calls are short, one thread waits in the queue and the other idle ones outside it,
// one of them as the watcher: each further thread in the queue would cost wake-ups, as gRPC
// hands its polling to another waiting thread whenever the polling one takes an event, and
// a Unix socket raises one each time its peer reads a reply. After a call that hands the
// queue over, its thread waits in the queue with the others, so that the next hand-over
// wakes nobody (docs/performance.md, "Inline calls keep the queue" and "Calls that may
// block keep the queue"). A server called through the in-process transport hands the queue
// over on every call and keeps its idle threads in the queue (CallsHandOverTheQueue).
//
// Threads are started on demand, when a task arrives and no idle thread can take it: an
// executor that never sees concurrent tasks has one. (Polling, it has one from Poll() on,
// and two once a call that may block has run: the one that ran it, which then watches if
// the call was short, and the one that took over the queue.) Without a queue to poll, one
// thread at a time is woken (or started) for the queue; when it takes a task and more are
// queued, it wakes the next.
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
// Thread safety: Submit(), OnExecutorThread() and the counts (threads_alive() and those
// after it) may be called from any thread, concurrently; RunOnArrival() on the executor's
// threads. Poll() before anything is submitted. Shutdown() may be called from any thread
// but the executor's own.
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

  // From now on idle threads wait in `queue`, whose every tag is a CompletionTag, and one
  // thread is started to do so. Call once, before any Submit(); `queue` must outlive
  // Shutdown(), which shuts it down (after the server that feeds it has been shut down)
  // and takes what is left in it. If `ends` is given (it must outlive the executor), its
  // calls are collected by a thread that has waited in `queue` for
  // CallEnds::kIdleCollection (longer after waits that found nothing) while a replied
  // call is not yet freed (one idle thread at a time waits so); by an alarm on `queue`
  // when a handler thread starts to wait on another node or CollectEndsSoon() is called,
  // and no idle thread waits to; and before a task that waited in the executor's queue
  // runs (see CallEnds).
  void Poll(grpc::CompletionQueue* queue, CallEnds* ends = nullptr);

  // A call was replied to from a thread that is not one of the executor's (which collect
  // when they go idle): makes sure the ends given to Poll() are collected within about
  // CallEnds::kIdleCollection even if no thread goes idle meanwhile. Any thread.
  void CollectEndsSoon();

  // How long a call that may block keeps the queue before the watcher takes it over:
  // about once to twice this, as the watcher looks at it every kHoldLimit.
  static constexpr auto kHoldLimit = std::chrono::milliseconds(1);

  // How RunOnArrival runs a call's task.
  enum class Arrival {
    // A handler that may block: here if fewer than max_threads threads run tasks; queued
    // otherwise. Here, it keeps the queue, watched, if a watcher waits and its method's
    // calls are short (HoldRecord); otherwise (and if a thread already waits in the queue)
    // it runs after making sure another thread waits in the queue.
    kMayBlock,
    // A step that promised not to block and may make work for the pool (the taking of a
    // batched call, which may fill a batch): here in any case, after making sure another
    // thread waits in the queue.
    kTakenAtOnce,
    // A handler that promised not to block (an inline method's): here in any case,
    // keeping the queue.
    kInline,
  };

  // On an executor thread that took a call off the polled queue: runs `task` as `arrival`
  // says. `record`, of the call's method (null: none known), says whether a kMayBlock call
  // may keep the queue, and learns how long the call took. False once Shutdown() has
  // begun, as Submit().
  bool RunOnArrival(Task task, Arrival arrival = Arrival::kMayBlock,
                    HoldRecord* record = nullptr);

  // Queues `task` for a thread. False once Shutdown() has begun: `task` is then destroyed
  // without running, and the caller must end whatever it stood for.
  bool Submit(Task task);

  // From now on every call hands the queue over, and idle threads all wait in it. For a
  // server called through gRPC's in-process transport, whose calls arrive by a completion
  // the transport puts in the queue: a second thread waiting there takes it when
  // signalled, where the polling one must be woken out of epoll (docs/performance.md,
  // "Inline calls keep the queue"). Any thread.
  void CallsHandOverTheQueue();

  // Refuses new tasks, lets the threads run every task already queued, and joins them.
  // Idempotent; concurrent callers all return once the threads are joined.
  void Shutdown();

  // True on one of this executor's threads (e.g. a handler asking to shut its server
  // down, which must not wait for itself).
  bool OnExecutorThread() const;

  // Threads alive now: at most max_threads, plus those started in place of waiting ones.
  int threads_alive() const;
  // Threads waiting for a task (or in the polled queue) now.
  int threads_idle() const;
  // Calls that may block that kept the queue so far, and how many of those had it taken
  // over (they outlasted kHoldLimit or waited on another node).
  int64_t holds_begun() const;
  int64_t holds_taken_over() const;
  // Idle threads of a polling executor that wait outside the polled queue now, the
  // watcher among them.
  int threads_outside_queue() const;

 private:
  // How long a thread beyond max_threads stays idle before it retires.
  static constexpr auto kSurplusIdle = std::chrono::seconds(2);

  void Work();
  // Work() of an executor that polls a completion queue.
  void PollWork();
  // Starts a thread and counts it as on its way to the queue. Requires mu_.
  void StartThread();
  // StartThreadIfNeeded() once Poll() was called: makes sure a thread waits in the queue,
  // and that a queued task some thread may run reaches one (an idle thread is woken by an
  // alarm on the queue). Requires mu_.
  void KeepQueuePolled();
  // Runs `task` on this polling thread, counted as busy, after KeepQueuePolled() unless
  // not `hand_over_queue` (and, if the task `waited` in queue_, after collecting
  // polled_ends_), and tells `record` (if any) how long it took. Takes `lock` (on mu_)
  // held, releases it while the task runs.
  void RunBusy(std::unique_lock<std::mutex>& lock, Task task, bool waited,
               bool hand_over_queue = true, HoldRecord* record = nullptr);
  // Takes this idle thread out of the pool, to be joined by Shutdown() or Submit(); the
  // thread returns right after. Requires mu_.
  void Retire();
  // An idle polling thread while another waits in the queue: waits outside it, as the
  // watcher if there is none, until there is work for it (the queue to take over, a task)
  // or it retires (then false). Takes `lock` (on mu_) held, releases it while it waits.
  bool WaitOutsideQueue(std::unique_lock<std::mutex>& lock);
  // The watcher's wait: looks at every call that keeps the queue, kHoldLimit apart while
  // calls come, and takes the queue over from one that outlasts kHoldLimit. Returns when
  // this thread should take the queue or a task. Requires mu_, held through `lock`.
  void Watch(std::unique_lock<std::mutex>& lock);
  // Runs the kMayBlock `task` on this polling thread, keeping the queue (RunBusy). Takes
  // `lock` (on mu_) held.
  void RunHolding(std::unique_lock<std::mutex>& lock, Task task, HoldRecord* record);
  class WakeAlarm;
  class CollectAlarm;
  // Sets a CollectAlarm if replied calls wait in polled_ends_, no idle thread waits to
  // collect them and none is set. Requires mu_.
  void ArmCollectAlarm();
  // If tasks are queued and no thread is on its way to the queue, wakes an idle thread,
  // or starts one if none is idle and fewer than max_threads threads are running (not
  // waiting); once Poll() was called, KeepQueuePolled(). Requires mu_.
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
  int idle_ = 0;                      // guarded by mu_: threads waiting on work_ (or polled_)
  int blocked_ = 0;                   // guarded by mu_: threads in a BlockingRegion
  // Guarded by mu_: threads woken or started for the queue that have not looked at it
  // yet; 0 or 1. (A spurious wake-up may count as the awaited one: then one more thread
  // is woken than needed, never one fewer.)
  int waking_ = 0;
  bool stopping_ = false;             // guarded by mu_
  bool calls_keep_queue_ = true;      // guarded by mu_; see CallsHandOverTheQueue

  // Polled mode (Poll()); all guarded by mu_.
  grpc::CompletionQueue* polled_ = nullptr;  // set once by Poll()
  CallEnds* polled_ends_ = nullptr;          // likewise; may stay null
  bool collecting_ = false;  // an idle thread waits to collect polled_ends_ (PollWork)
  // How long it waits: CallEnds::kIdleCollection, doubled after each wait that found
  // nothing to collect, up to CallEnds::kLongestIdleCollection.
  std::chrono::milliseconds collect_wait_ = CallEnds::kIdleCollection;
  bool collect_alarm_pending_ = false;  // a CollectAlarm is set and has not fired yet
  int busy_ = 0;                // threads running a task or a call's handler
  bool wake_pending_ = false;   // a WakeAlarm is set and has not fired yet
  bool polled_shut_down_ = false;  // polled_->Shutdown() was called: no more alarms
  bool polled_drained_ = false;    // polled_ said it is shut down and empty

  // Calls that keep the queue (RunHolding), and their watcher (Watch); all guarded by mu_.
  std::condition_variable parked_wake_;  // for threads waiting outside the queue
  std::condition_variable watcher_wake_;
  int parked_ = 0;  // idle threads waiting outside the queue, not counting the watcher

  enum class Watcher { kNone, kWatching, kAsleep };  // kAsleep: no call kept it lately
  Watcher watcher_ = Watcher::kNone;
  bool watcher_called_ = false;  // KeepQueuePolled woke the watcher to take the queue
  bool held_ = false;         // a call keeps the queue, and no thread waits in it
  std::thread::id holder_;    // the thread running that call
  uint64_t hold_id_ = 0;      // the latest call to keep the queue; they count from 1
  int64_t holds_taken_over_ = 0;

  // Serializes Shutdown(): a second caller waits until the first has joined the threads.
  std::mutex shutdown_mu_;
};

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_HANDLER_EXECUTOR_H_
