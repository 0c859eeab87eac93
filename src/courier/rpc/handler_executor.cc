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
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return false;
  queue_.push_back(std::move(task));
  // Threads that are idle but not yet awake still count in idle_, so a burst of tasks
  // starts new threads rather than waiting for the few that were notified.
  if (static_cast<int>(queue_.size()) > idle_ && started_ < max_threads_) {
    threads_.emplace_back([this] { Work(); });
    ++started_;
  } else {
    work_.notify_one();
  }
  return true;
}

void HandlerExecutor::Work() {
  current_executor = this;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    ++idle_;
    work_.wait(lock, [this] { return !queue_.empty() || stopping_; });
    --idle_;
    if (queue_.empty()) return;  // stopping, and nothing is left to run
    Task task = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    std::move(task)();
    task = nullptr;  // whatever the task holds goes before the lock is taken again
    lock.lock();
  }
}

void HandlerExecutor::Shutdown() {
  std::lock_guard<std::mutex> serialized(shutdown_mu_);
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    threads = std::move(threads_);
    work_.notify_all();
  }
  for (std::thread& thread : threads) thread.join();
}

bool HandlerExecutor::OnExecutorThread() const { return current_executor == this; }

int HandlerExecutor::threads_started() const {
  std::lock_guard<std::mutex> lock(mu_);
  return started_;
}

}  // namespace lp::rpc
