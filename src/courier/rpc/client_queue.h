// ClientQueue: the completion queue on which a process's Courier calls through sockets
// end (asynchronous ones, and synchronous ones made while no other thread waits here),
// polled by the threads that wait for their results.
//
// gRPC's callback API ran every asynchronous call's end on one of its two shared callback
// threads, which then woke the thread waiting for the call's Future: two context switches
// per call, the larger part of what a caller that waits for its Futures in turn paid per
// call (docs/performance.md, "Waiting threads read their own replies"). Here a thread that
// waits for the Future of such a call, or makes a synchronous call, polls this queue
// itself, and runs the completions it takes: its own, and those of calls that other
// threads wait for or that continue on their own (Future::OnReady, CallAsync's callback).
// (gRPC's synchronous call polls a queue of its own, and so took turns at reading the
// process's sockets with every other thread waiting in a queue of gRPC's: see
// docs/performance.md, "Synchronous calls wait on the reply queue".) One thread at a time
// polls: the others sleep until the poller has run the completion that brings their
// result, or has gone and left the queue to one of them.
//
// When no thread waits, the queue's own thread polls it, so that calls nobody waits for
// still end. It leaves the queue to waiting threads as soon as one comes, and takes it back
// once none has come for kHandBack: a caller that waits for each of its Futures in turn then
// keeps the queue between its calls, and wakes nobody. While waiters come and go, the
// queue's own thread looks every kHandBack; while one waits long, it sleeps until the last
// waiter leaves. An idle queue's thread sleeps in the queue, and is woken only by a
// completion.
//
// A completion that blocks (an OnReady callback that breaks its rule) holds the queue,
// and every reply of the process waits behind it. So does a worker's stop notice, which
// is read through this queue too (src/coordinator/stop_watch.cc): the worker's stop watch
// therefore looks at the queue now and then (PollPastABlockedCompletion), and polls it
// itself while a completion has been running since its last look.
#ifndef LP_SRC_COURIER_RPC_CLIENT_QUEUE_H_
#define LP_SRC_COURIER_RPC_CLIENT_QUEUE_H_

#include <grpcpp/completion_queue.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/time/time.h"
#include "lp/internal/wait_driver.h"

namespace lp::rpc {

// Thread safety: thread-safe. Completions run on whichever thread polls; one at a time.
class ClientQueue final : public internal::WaitDriver {
 public:
  // What ends on the queue: the tag given to gRPC is a pointer to one.
  class Completion {
   public:
    // Runs once, on the thread that took the event off the queue. `ok` is gRPC's.
    virtual void Complete(bool ok) = 0;

   protected:
    ~Completion() = default;
  };

  // How long the queue's own thread leaves the queue to waiting threads after the last
  // one went: longer than a caller takes between two waits, short enough for a
  // continuation that nobody waits for to run soon after its reply came.
  static constexpr absl::Duration kHandBack = absl::Milliseconds(1);

  // The process's queue, made with its thread on first use, and never destroyed (as
  // gRPC, which lp never shuts down).
  static ClientQueue& Get();

  grpc::CompletionQueue* queue() { return &queue_; }

  // Polls the queue on this thread, running what it takes, until `ready()` or `deadline`;
  // sleeps instead while another thread polls. Returns `ready()`. A completion run here
  // may wait for another call in turn: it polls on, as the same poller.
  bool WaitDriving(absl::Time deadline, absl::FunctionRef<bool()> ready) override;

  // For a thread that watches the queue from outside, every so often: if the completion
  // that was running at this thread's last look is running still, polls the queue on
  // this thread too, as a second poller, running what it takes, until that completion
  // returns or `done()` (looked at after each completion, and every few milliseconds).
  // `last_look` carries what this thread saw from one look to the next (0 at first): after
  // `done()`, the next look polls at once if the same completion still runs. Returns
  // whether it polled. Not from a completion.
  bool PollPastABlockedCompletion(uint64_t& last_look, absl::FunctionRef<bool()> done);

  // Counts, for tests: completions run by waiting threads, by the queue's own thread, and
  // past a blocked completion.
  int64_t completions_run_by_waiters() const {
    return completions_run_[static_cast<int>(Role::kWaiter)].load(std::memory_order_relaxed);
  }
  int64_t completions_run_by_own_thread() const {
    return completions_run_[static_cast<int>(Role::kOwnThread)].load(std::memory_order_relaxed);
  }
  int64_t completions_run_past_a_blocked_one() const {
    return completions_run_[static_cast<int>(Role::kPastBlocked)].load(std::memory_order_relaxed);
  }
  // How many threads are in WaitDriving now, for tests.
  int waiters() const;
  // Whether a synchronous call made on this thread should wait here: this thread polls
  // the queue already (a completion makes the call: it polls on), or no thread waits here
  // (many threads entering and leaving the queue contend for its lock, where gRPC's
  // synchronous calls each wait on a queue of their own). Without taking the lock: a hint,
  // possibly out of date by the time it is used.
  bool SynchronousCallWaitsHere() const;

 private:
  // Who polls: a thread in WaitDriving, the queue's own thread, or a thread polling past a
  // blocked completion (which leaves running_ alone, being the second poller).
  enum class Role { kWaiter, kOwnThread, kPastBlocked };
  // Marks this thread as a poller of the queue for its scope: a completion it runs that
  // waits for another call in turn polls on, in the same role.
  class PollerScope;

  ClientQueue() = default;

  // The queue's own thread: polls while no thread waits.
  void Run();
  // Takes one event off the queue, waiting until `deadline` at most, and runs it; returns
  // whether there was one. Called by a poller only, which then wakes the sleepers whose
  // results it brought. `role` says whose count the completion goes to.
  bool PollOnce(absl::Time deadline, Role role);

  // A thread in WaitDriving that does not poll, while another does. Each has a condition
  // variable of its own, so that a completion wakes only the thread whose result it brought
  // (a shared one woke every waiting thread of the process per completion).
  struct Sleeper {
    absl::FunctionRef<bool()> ready;
    std::condition_variable wake;
    bool woken = false;  // guarded by mu_
  };
  // Wakes the sleepers whose results are ready. Called with mu_ held.
  void WakeReadySleepers();
  // With nobody polling, wakes one sleeper to poll, unless one is woken already (it polls,
  // or leaves and hands over in turn). Called with mu_ held.
  void HandOver();

  grpc::CompletionQueue queue_;

  mutable std::mutex mu_;
  std::condition_variable own_thread_;   // the queue's own thread, while it stays away
  bool polling_ = false;                 // guarded by mu_: some thread polls
  bool own_thread_parked_ = false;       // guarded by mu_: own thread waits for no waiters
  int waiters_ = 0;                      // guarded by mu_: threads in WaitDriving
  std::atomic<bool> any_waiter_{false};  // waiters_ > 0, written under mu_
  std::vector<Sleeper*> sleepers_;       // guarded by mu_: ... that do not poll
  absl::Time last_waiter_left_ = absl::InfinitePast();  // guarded by mu_

  // The completion the poller runs now, numbered from 1 in the order they began; 0 while
  // it runs none. Written by the poller only (not one polling past a blocked completion).
  std::atomic<uint64_t> running_{0};
  uint64_t begun_ = 0;  // completions begun by the poller; the poller's only

  std::atomic<int64_t> completions_run_[3] = {0, 0, 0};  // by Role
};

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_CLIENT_QUEUE_H_
