#include "src/courier/rpc/handler_executor.h"

#include <grpcpp/alarm.h>

#include <algorithm>
#include <chrono>
#include <utility>

namespace lp::rpc {
namespace {

// The executor whose task the current thread runs, if any.
thread_local const HandlerExecutor* current_executor = nullptr;

// Whether the task the current thread runs waited on another node (OnBlock).
thread_local bool task_waited = false;

// Whether the last call the current thread took was a short one (it kept the queue, or
// would have had no other thread polled it): then the thread waits outside the queue if
// another waits in it. After any other (a long one, a batched call's taking) it waits in
// the queue, as do the others, so that handing the queue over wakes nobody.
thread_local bool last_call_short = true;

}  // namespace

// Wakes one thread waiting in the polled queue: an alarm set to fire at once. One per
// wake-up (HandlerExecutor::wake_pending_ allows one at a time); it deletes itself.
class HandlerExecutor::WakeAlarm final : public CompletionTag {
 public:
  WakeAlarm(HandlerExecutor& executor, grpc::CompletionQueue* queue) : executor_(executor) {
    Handed();
    alarm_.Set(queue, std::chrono::system_clock::now(), this);
  }
  void OnComplete(bool /*ok*/) override {
    {
      std::lock_guard<std::mutex> lock(executor_.mu_);
      executor_.wake_pending_ = false;
    }
    delete this;  // the woken thread goes on to the executor's queue
  }

 private:
  HandlerExecutor& executor_;
  grpc::Alarm alarm_;
};

// Collects the ends given to Poll() kIdleCollection after it was set, on the thread that
// takes it: for replied calls that no idle thread is waiting to collect (see
// ArmCollectAlarm). One at a time (HandlerExecutor::collect_alarm_pending_); it deletes
// itself.
class HandlerExecutor::CollectAlarm final : public CompletionTag {
 public:
  CollectAlarm(HandlerExecutor& executor, grpc::CompletionQueue* queue) : executor_(executor) {
    Handed();
    alarm_.Set(queue, std::chrono::system_clock::now() + CallEnds::kIdleCollection, this);
  }
  void OnComplete(bool /*ok*/) override {
    {
      std::lock_guard<std::mutex> lock(executor_.mu_);
      executor_.collect_alarm_pending_ = false;
    }
    executor_.polled_ends_->Collect();
    delete this;
  }

 private:
  HandlerExecutor& executor_;
  grpc::Alarm alarm_;
};

HandlerExecutor::HandlerExecutor(int max_threads) : max_threads_(std::max(1, max_threads)) {}

HandlerExecutor::~HandlerExecutor() { Shutdown(); }

bool HandlerExecutor::Submit(Task task) {
  std::vector<std::thread> retired;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return false;
    queue_.push_back(std::move(task));
    StartThreadIfNeeded();
    retired = TakeRetired();
  }
  // Retired threads have left Work(): the joins are short.
  for (std::thread& thread : retired) thread.join();
  return true;
}

void HandlerExecutor::StartThreadIfNeeded() {
  // A thread already on its way to the queue takes the next task, and calls this again
  // if more are left: a burst of tasks wakes threads one after another, and a task that a
  // running thread takes first wakes nobody, instead of one wake-up per task.
  if (polled_ != nullptr) return KeepQueuePolled();
  if (queue_.empty() || waking_ > 0) return;
  if (idle_ > 0) {
    ++waking_;
    work_.notify_one();
  } else if (alive_ - blocked_ < max_threads_ && alive_ < max_threads_ + kMaxExtraThreads) {
    StartThread();
  }
}

void HandlerExecutor::StartThread() {
  ++waking_;
  const bool polled = polled_ != nullptr;
  std::thread thread([this, polled] { polled ? PollWork() : Work(); });
  const std::thread::id id = thread.get_id();
  threads_.emplace(id, std::move(thread));
  ++alive_;
}

void HandlerExecutor::KeepQueuePolled() {
  if (polled_drained_) return;
  const bool task_may_run = !queue_.empty() && busy_ - blocked_ < max_threads_;
  if (idle_ > 0) {
    // Someone waits in the polled queue; wake it if a queued task can run now.
    if (task_may_run && !wake_pending_ && !polled_shut_down_) {
      wake_pending_ = true;
      new WakeAlarm(*this, polled_);
    }
    return;
  }
  // Nobody waits in the queue: wake a thread waiting outside it, or start one, that does
  // (or takes the queued task). Not for a call that keeps the queue, watched.
  if (waking_ > 0 || (held_ && !task_may_run)) return;
  if (parked_ > 0) {
    ++waking_;
    parked_wake_.notify_one();
    return;
  }
  // Rather than the watcher of a call that keeps the queue, a new thread, if one may start:
  // up to max_threads running handlers and one polling, beyond the threads that wait on
  // others.
  const bool may_start =
      alive_ - blocked_ < max_threads_ + 1 && alive_ < max_threads_ + 1 + kMaxExtraThreads;
  if (watcher_ != Watcher::kNone && (!held_ || !may_start)) {
    ++waking_;
    watcher_ = Watcher::kWatching;
    watcher_called_ = true;
    watcher_wake_.notify_one();
  } else if (may_start) {
    StartThread();
  }
}

void HandlerExecutor::Poll(grpc::CompletionQueue* queue, CallEnds* ends) {
  std::lock_guard<std::mutex> lock(mu_);
  polled_ = queue;
  polled_ends_ = ends;
  KeepQueuePolled();
}

void HandlerExecutor::CollectEndsSoon() {
  std::lock_guard<std::mutex> lock(mu_);
  ArmCollectAlarm();
}

void HandlerExecutor::ArmCollectAlarm() {
  // An idle thread waiting to collect will; otherwise the alarm makes sure one does, should
  // no thread go idle meanwhile. Its firing costs a wake-up, so it is not set for every
  // call: only where no thread may go idle soon.
  if (polled_ends_ == nullptr || collecting_ || collect_alarm_pending_ || polled_shut_down_ ||
      !polled_ends_->AnyReplied()) {
    return;
  }
  collect_alarm_pending_ = true;
  new CollectAlarm(*this, polled_);
}

bool HandlerExecutor::RunOnArrival(Task task, Arrival arrival, HoldRecord* record) {
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) return false;
  if (arrival == Arrival::kMayBlock && busy_ - blocked_ >= max_threads_) {
    queue_.push_back(std::move(task));  // a thread that finishes its task takes it
    return true;
  }
  // A call that may block keeps the queue only if its method's calls are short, while
  // watched, and if nobody else waits in it (no queue to keep, then: say, one thread's task
  // just ended).
  last_call_short = arrival == Arrival::kInline ||
                    (arrival == Arrival::kMayBlock && (record == nullptr || record->MayHold()));
  if (arrival == Arrival::kMayBlock && last_call_short && calls_keep_queue_ && idle_ == 0 &&
      watcher_ != Watcher::kNone && !watcher_called_) {
    RunHolding(lock, std::move(task), record);
    return true;
  }
  // An inline handler keeps the queue while it runs: no other thread is started or woken
  // to take the calls behind it, which wait until it returns.
  RunBusy(lock, std::move(task), /*waited=*/false,
          /*hand_over_queue=*/arrival != Arrival::kInline || !calls_keep_queue_,
          arrival == Arrival::kMayBlock ? record : nullptr);
  return true;
}

void HandlerExecutor::RunHolding(std::unique_lock<std::mutex>& lock, Task task,
                                 HoldRecord* record) {
  const uint64_t hold = ++hold_id_;
  held_ = true;
  holder_ = std::this_thread::get_id();
  if (watcher_ == Watcher::kAsleep) {
    watcher_ = Watcher::kWatching;
    watcher_wake_.notify_one();
  }
  RunBusy(lock, std::move(task), /*waited=*/false, /*hand_over_queue=*/false, record);
  if (held_ && hold_id_ == hold) held_ = false;  // it returned in time: this thread polls
}

void HandlerExecutor::CallsHandOverTheQueue() {
  std::lock_guard<std::mutex> lock(mu_);
  calls_keep_queue_ = false;
  // The threads waiting outside the queue go into it.
  parked_wake_.notify_all();
  watcher_wake_.notify_all();
}

void HandlerExecutor::RunBusy(std::unique_lock<std::mutex>& lock, Task task, bool waited,
                              bool hand_over_queue, HoldRecord* record) {
  ++busy_;
  // Another thread takes the calls (and tasks) behind this one.
  if (hand_over_queue) KeepQueuePolled();
  lock.unlock();
  // A call that waited may have been cancelled meanwhile; its end would say so.
  if (waited && polled_ends_ != nullptr) polled_ends_->Collect();
  const HoldRecord::Clock::time_point start =
      record != nullptr ? HoldRecord::Clock::now() : HoldRecord::Clock::time_point();
  task_waited = false;
  std::move(task)();
  if (record != nullptr) record->Served(HoldRecord::Clock::now() - start, task_waited);
  task = nullptr;  // whatever the task holds goes before the lock is taken again
  lock.lock();
  --busy_;
}

void HandlerExecutor::Retire() {
  // Shutdown() or the next Submit() joins this thread; it touches nothing of the
  // executor after mu_ is released.
  auto self = threads_.find(std::this_thread::get_id());
  retired_.push_back(std::move(self->second));
  threads_.erase(self);
  --alive_;
}

void HandlerExecutor::PollWork() {
  current_executor = this;
  internal::current_blocking_observer = this;
  std::unique_lock<std::mutex> lock(mu_);
  LookedAtQueue();  // a thread is started to poll, or to take a task
  for (;;) {
    if (!queue_.empty() && busy_ - blocked_ < max_threads_) {
      Task task = std::move(queue_.front());
      queue_.pop_front();
      RunBusy(lock, std::move(task), /*waited=*/true);
      continue;
    }
    if (polled_drained_) {
      // Nothing more will arrive; the threads still busy take what is queued.
      --alive_;
      return;
    }
    // One thread waits in the queue at a time while calls are short (handler_executor.h).
    if (idle_ > 0 && last_call_short && calls_keep_queue_ && !stopping_) {
      if (!WaitOutsideQueue(lock)) return;
      continue;
    }
    held_ = false;  // this thread takes the queue: a call keeping it no longer does
    // Beyond the bound, a thread retires once idle for kSurplusIdle: the polling one only
    // if idle threads wait in the queue, where none waits outside it to take its place.
    const bool surplus = alive_ - blocked_ > max_threads_ + 1 && !calls_keep_queue_;
    // Replied calls wait in polled_ends_ to be freed: if no work comes meanwhile, this
    // thread collects them after a short wait. One idle thread at a time does, so that
    // an idle server wakes once to free its last calls.
    const bool collect =
        !collecting_ && polled_ends_ != nullptr && polled_ends_->AnyReplied();
    if (collect) collecting_ = true;
    const std::chrono::milliseconds collect_wait = collect_wait_;
    ++idle_;
    lock.unlock();
    void* tag = nullptr;
    bool ok = false;
    using Clock = std::chrono::system_clock;
    using Queue = grpc::CompletionQueue;
    Queue::NextStatus status;
    if (collect) {
      status = polled_->AsyncNext(&tag, &ok, Clock::now() + collect_wait);
    } else if (surplus) {
      status = polled_->AsyncNext(&tag, &ok, Clock::now() + kSurplusIdle);
    } else {
      status = polled_->Next(&tag, &ok) ? Queue::GOT_EVENT : Queue::SHUTDOWN;
    }
    const int collected =
        status == Queue::TIMEOUT && collect ? polled_ends_->Collect() : 0;
    lock.lock();
    --idle_;
    if (collect) {
      collecting_ = false;
      // Work came, or ends were there: the next wait is short again. Nothing was: longer.
      collect_wait_ = status != Queue::TIMEOUT || collected > 0
                          ? CallEnds::kIdleCollection
                          : std::min(2 * collect_wait, CallEnds::kLongestIdleCollection);
    }
    if (status == Queue::GOT_EVENT) {
      // Outside mu_: the completion may run a call's handler (RunOnArrival).
      lock.unlock();
      CompletionTag::Complete(tag, ok);
      lock.lock();
    } else if (status == Queue::SHUTDOWN) {
      polled_drained_ = true;
    } else if (surplus && !collect && queue_.empty() && alive_ - blocked_ > max_threads_ + 1) {
      Retire();  // idle for kSurplusIdle, still one too many, and nothing to do
      return;
    }
  }
}

bool HandlerExecutor::WaitOutsideQueue(std::unique_lock<std::mutex>& lock) {
  // Waiting in the queue, this thread would have collected the calls replied before, should
  // nothing come meanwhile; the thread that waits there may have gone in before they were.
  ArmCollectAlarm();
  if (watcher_ == Watcher::kNone) {
    Watch(lock);
    return true;
  }
  ++parked_;
  // Beyond the bound, a thread that has nothing to do for kSurplusIdle retires.
  const bool surplus = alive_ - blocked_ > max_threads_ + 1;
  bool timed_out = false;
  if (surplus) {
    timed_out = parked_wake_.wait_for(lock, kSurplusIdle) == std::cv_status::timeout;
  } else {
    parked_wake_.wait(lock);
  }
  --parked_;
  LookedAtQueue();  // woken, by a notification or spuriously
  if (timed_out && queue_.empty() && !stopping_ && alive_ - blocked_ > max_threads_ + 1) {
    Retire();
    return false;
  }
  return true;
}

void HandlerExecutor::Watch(std::unique_lock<std::mutex>& lock) {
  using Clock = std::chrono::steady_clock;
  watcher_ = Watcher::kWatching;
  uint64_t watched = 0;  // the call being timed, if any
  Clock::time_point deadline;
  uint64_t last_seen = hold_id_;
  for (;;) {
    // Called away (KeepQueuePolled): to take the queue, or a task.
    if (stopping_ || polled_drained_ || !calls_keep_queue_ || watcher_called_) break;
    const bool calls_came = hold_id_ != last_seen;
    last_seen = hold_id_;
    if (held_) {
      const Clock::time_point now = Clock::now();
      if (hold_id_ != watched) {
        watched = hold_id_;
        deadline = now + kHoldLimit;
      } else if (now >= deadline) {
        // It outlasted the limit: this thread takes the queue over.
        ++holds_taken_over_;
        held_ = false;
        break;
      }
      watcher_wake_.wait_until(lock, deadline);
    } else if (calls_came) {
      // Calls come and go: one is likely to keep the queue at the next look.
      watcher_wake_.wait_for(lock, kHoldLimit);
    } else {
      // None came since the last look: sleep until one does, to cost an idle server nothing.
      watcher_ = Watcher::kAsleep;
      watcher_wake_.wait(lock);
      watcher_ = Watcher::kWatching;
    }
    LookedAtQueue();
  }
  watcher_ = Watcher::kNone;
  watcher_called_ = false;
}

void HandlerExecutor::LookedAtQueue() {
  if (waking_ > 0) --waking_;
}

std::vector<std::thread> HandlerExecutor::TakeRetired() { return std::exchange(retired_, {}); }

void HandlerExecutor::Work() {
  current_executor = this;
  internal::current_blocking_observer = this;
  std::unique_lock<std::mutex> lock(mu_);
  LookedAtQueue();  // a thread is started to take a task
  for (;;) {
    ++idle_;
    bool timed_out = false;
    while (queue_.empty() && !stopping_ && !timed_out) {
      if (alive_ - blocked_ > max_threads_) {
        timed_out = work_.wait_for(lock, kSurplusIdle) == std::cv_status::timeout;
      } else {
        work_.wait(lock);
      }
      LookedAtQueue();  // woken, by a notification or spuriously
    }
    --idle_;
    if (queue_.empty() && !stopping_) {
      if (alive_ - blocked_ <= max_threads_) continue;
      Retire();  // still one too many, and nothing to do
      return;
    }
    if (queue_.empty()) {
      --alive_;  // stopping, and nothing is left to run
      return;
    }
    Task task = std::move(queue_.front());
    queue_.pop_front();
    StartThreadIfNeeded();  // for the tasks behind this one
    lock.unlock();
    std::move(task)();
    task = nullptr;  // whatever the task holds goes before the lock is taken again
    lock.lock();
  }
}

void HandlerExecutor::OnBlock() {
  task_waited = true;
  std::lock_guard<std::mutex> lock(mu_);
  ++blocked_;
  // A call keeping the queue waits on another node: it hands the queue over now.
  if (held_ && holder_ == std::this_thread::get_id()) {
    ++holds_taken_over_;
    held_ = false;
  }
  // Also while stopping: Shutdown() runs every queued task, and one may be what the
  // waiting thread waits for.
  StartThreadIfNeeded();
  // This thread will not go idle soon to collect the calls replied before.
  ArmCollectAlarm();
}

void HandlerExecutor::OnUnblock() {
  std::lock_guard<std::mutex> lock(mu_);
  --blocked_;
}

void HandlerExecutor::Shutdown() {
  std::lock_guard<std::mutex> serialized(shutdown_mu_);
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    work_.notify_all();
    parked_wake_.notify_all();
    watcher_wake_.notify_all();
    if (polled_ != nullptr && !polled_shut_down_) {
      // Its server is shut down: what is left in it are the ends of finished calls (those
      // not sent to CallEnds) and alarms. The polling threads take them, and leave once
      // it is empty.
      polled_shut_down_ = true;
      polled_->Shutdown();
    }
  }
  // Threads may still start (in place of a waiting one) until the queue is empty and
  // every task has returned: join until none is left.
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      threads = TakeRetired();
      for (auto& [id, thread] : threads_) threads.push_back(std::move(thread));
      threads_.clear();
    }
    if (threads.empty()) break;
    for (std::thread& thread : threads) thread.join();
  }
  // No thread polled (none was ever needed, or every one had left): empty it here.
  grpc::CompletionQueue* left = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (polled_ != nullptr && !polled_drained_) left = polled_;
    polled_drained_ = true;
  }
  if (left == nullptr) return;
  void* tag = nullptr;
  bool ok = false;
  while (left->Next(&tag, &ok)) CompletionTag::Complete(tag, ok);
}

bool HandlerExecutor::OnExecutorThread() const { return current_executor == this; }

int HandlerExecutor::threads_alive() const {
  std::lock_guard<std::mutex> lock(mu_);
  return alive_;
}

int HandlerExecutor::threads_idle() const {
  std::lock_guard<std::mutex> lock(mu_);
  return idle_;
}

int64_t HandlerExecutor::holds_begun() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int64_t>(hold_id_);
}

int HandlerExecutor::threads_outside_queue() const {
  std::lock_guard<std::mutex> lock(mu_);
  return parked_ + (watcher_ != Watcher::kNone ? 1 : 0);
}

int64_t HandlerExecutor::holds_taken_over() const {
  std::lock_guard<std::mutex> lock(mu_);
  return holds_taken_over_;
}

}  // namespace lp::rpc
