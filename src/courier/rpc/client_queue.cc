#include "src/courier/rpc/client_queue.h"

#include <pthread.h>

#include <algorithm>
#include <thread>

#include "src/courier/rpc/grpc_library.h"
#include "src/courier/rpc/tsan_edge.h"

namespace lp::rpc {
namespace {

// How long a thread polling past a blocked completion waits in the queue at a time before
// it looks whether that completion has returned.
constexpr absl::Duration kPastBlockedLook = absl::Milliseconds(10);

}  // namespace

class ClientQueue::PollerScope {
 public:
  PollerScope(ClientQueue* queue, Role role) {
    polled_by_this_thread = queue;
    role_of_this_thread = role;
  }
  ~PollerScope() { polled_by_this_thread = nullptr; }
  PollerScope(const PollerScope&) = delete;
  PollerScope& operator=(const PollerScope&) = delete;

  // The queue this thread polls now, if any, and as what. A completion it runs that waits
  // for another call in turn polls on: the thread already holds the queue.
  static thread_local ClientQueue* polled_by_this_thread;
  static thread_local Role role_of_this_thread;
};

thread_local ClientQueue* ClientQueue::PollerScope::polled_by_this_thread = nullptr;
thread_local ClientQueue::Role ClientQueue::PollerScope::role_of_this_thread =
    ClientQueue::Role::kWaiter;

ClientQueue& ClientQueue::Get() {
  // Function-local static: made once, thread-safely. Never deleted, and reachable from
  // here, so that LeakSanitizer does not count it.
  static ClientQueue* const queue = [] {
    KeepGrpcInitialized();
    auto* made = new ClientQueue;
    std::thread own([made] { made->Run(); });
    // Named here rather than by the thread itself, so that it has its name once Get()
    // returns (tests and tools count threads by name).
    pthread_setname_np(own.native_handle(), "lp_replies");
    own.detach();
    return made;
  }();
  return *queue;
}

bool ClientQueue::SynchronousCallWaitsHere() const {
  return PollerScope::polled_by_this_thread == this ||
         !any_waiter_.load(std::memory_order_relaxed);
}

int ClientQueue::waiters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return waiters_;
}

bool ClientQueue::WaitDriving(absl::Time deadline, absl::FunctionRef<bool()> ready) {
  // A wait whose deadline has passed (Future::WaitFor(0) in a loop) still takes what is
  // there: it keeps the queue's own thread away, and would otherwise keep the queue idle.
  bool took = true;  // the last poll ran a completion; none made yet
  if (PollerScope::polled_by_this_thread == this) {
    while (!ready() && (took || absl::Now() < deadline)) {
      took = PollOnce(deadline, PollerScope::role_of_this_thread);
      if (!took) continue;
      std::lock_guard<std::mutex> lock(mu_);
      WakeReadySleepers();
    }
    return ready();
  }
  std::unique_lock<std::mutex> lock(mu_);
  ++waiters_;
  any_waiter_.store(true, std::memory_order_relaxed);
  while (!ready()) {
    if (!polling_) {
      if (!took && absl::Now() >= deadline) break;
      polling_ = true;
      lock.unlock();
      {
        PollerScope poller(this, Role::kWaiter);
        took = PollOnce(deadline, Role::kWaiter);
      }
      lock.lock();
      polling_ = false;
      if (took) WakeReadySleepers();
      continue;
    }
    if (absl::Now() >= deadline) break;
    Sleeper me{ready};
    sleepers_.push_back(&me);
    bool woken = true;
    if (deadline == absl::InfiniteFuture()) {
      me.wake.wait(lock, [&me] { return me.woken; });
    } else {
      woken = me.wake.wait_until(lock, absl::ToChronoTime(deadline), [&me] { return me.woken; });
    }
    sleepers_.erase(std::find(sleepers_.begin(), sleepers_.end(), &me));
    if (!woken) break;  // its deadline
  }
  const bool result = ready();
  if (--waiters_ == 0) {
    any_waiter_.store(false, std::memory_order_relaxed);
    last_waiter_left_ = absl::Now();
    if (own_thread_parked_) own_thread_.notify_one();
  }
  HandOver();
  return result;
}

void ClientQueue::WakeReadySleepers() {
  for (Sleeper* sleeper : sleepers_) {
    if (!sleeper->woken && sleeper->ready()) {
      sleeper->woken = true;
      sleeper->wake.notify_one();
    }
  }
}

void ClientQueue::HandOver() {
  if (polling_) return;
  for (Sleeper* sleeper : sleepers_) {
    if (sleeper->woken) return;  // it leaves or polls, and hands over in turn
  }
  if (!sleepers_.empty()) {
    sleepers_.front()->woken = true;
    sleepers_.front()->wake.notify_one();
  }
}

void ClientQueue::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    // A thread has waited a whole kHandBack without any leaving: it waits long (a slow
    // call). Until the waiters are gone, this thread sleeps instead of looking every
    // kHandBack; the last to leave wakes it.
    if (waiters_ > 0 && absl::Now() - last_waiter_left_ >= kHandBack) {
      own_thread_parked_ = true;
      own_thread_.wait(lock, [this] { return waiters_ == 0; });
      own_thread_parked_ = false;
      continue;
    }
    if (polling_ || waiters_ > 0 || absl::Now() - last_waiter_left_ < kHandBack) {
      own_thread_.wait_for(lock, absl::ToChronoNanoseconds(kHandBack));
      continue;
    }
    polling_ = true;
    lock.unlock();
    {
      PollerScope poller(this, Role::kOwnThread);
      PollOnce(absl::InfiniteFuture(), Role::kOwnThread);
    }
    lock.lock();
    polling_ = false;
    // Waiters that came meanwhile sleep: one takes the queue now.
    WakeReadySleepers();
    HandOver();
  }
}

bool ClientQueue::PollOnce(absl::Time deadline, Role role) {
  void* tag = nullptr;
  bool ok = false;
  // TIMEOUT or, never here, SHUTDOWN: the queue is never shut down.
  if (queue_.AsyncNext(&tag, &ok, absl::ToChronoTime(deadline)) !=
      grpc::CompletionQueue::GOT_EVENT) {
    return false;
  }
  TsanEdge();  // the call's state, written by the thread that started it
  completions_run_[static_cast<int>(role)].fetch_add(1, std::memory_order_relaxed);
  if (role == Role::kPastBlocked) {
    static_cast<Completion*>(tag)->Complete(ok);
    return true;
  }
  // A completion run within another (which waits for a call in turn) restores the outer
  // one's number when it returns.
  const uint64_t outer = running_.exchange(++begun_, std::memory_order_relaxed);
  static_cast<Completion*>(tag)->Complete(ok);
  running_.store(outer, std::memory_order_relaxed);
  return true;
}

bool ClientQueue::PollPastABlockedCompletion(uint64_t& last_look,
                                             absl::FunctionRef<bool()> done) {
  const uint64_t running = running_.load(std::memory_order_relaxed);
  const bool blocked = running != 0 && running == last_look;
  last_look = running;
  if (!blocked || PollerScope::polled_by_this_thread == this) return false;
  PollerScope poller(this, Role::kPastBlocked);
  while (running_.load(std::memory_order_relaxed) == running && !done()) {
    if (!PollOnce(absl::Now() + kPastBlockedLook, Role::kPastBlocked)) continue;
    std::lock_guard<std::mutex> lock(mu_);
    WakeReadySleepers();
  }
  return true;
}

}  // namespace lp::rpc
