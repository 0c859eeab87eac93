#include "src/courier/rpc/handler_executor.h"

#include <algorithm>
#include <utility>

namespace lp::rpc {
namespace {

// The executor whose task the current thread runs, if any.
thread_local const HandlerExecutor* current_executor = nullptr;

}  // namespace

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
  if (queue_.empty() || waking_ > 0) return;
  if (idle_ > 0) {
    ++waking_;
    work_.notify_one();
  } else if (alive_ - blocked_ < max_threads_ && alive_ < max_threads_ + kMaxExtraThreads) {
    ++waking_;
    std::thread thread([this] { Work(); });
    const std::thread::id id = thread.get_id();
    threads_.emplace(id, std::move(thread));
    ++alive_;
  }
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
      // Still one too many, and nothing to do: retire. Shutdown() or the next Submit()
      // joins this thread; it touches nothing of the executor after `lock` is released.
      auto self = threads_.find(std::this_thread::get_id());
      retired_.push_back(std::move(self->second));
      threads_.erase(self);
      --alive_;
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
  std::lock_guard<std::mutex> lock(mu_);
  ++blocked_;
  // Also while stopping: Shutdown() runs every queued task, and one may be what the
  // waiting thread waits for.
  StartThreadIfNeeded();
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
    if (threads.empty()) return;
    for (std::thread& thread : threads) thread.join();
  }
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

}  // namespace lp::rpc
