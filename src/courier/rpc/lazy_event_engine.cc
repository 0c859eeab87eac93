#include "src/courier/rpc/lazy_event_engine.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace lp::rpc {
namespace {

using grpc_event_engine::experimental::EndpointConfig;
using grpc_event_engine::experimental::EventEngine;
using grpc_event_engine::experimental::MemoryAllocator;
using grpc_event_engine::experimental::MemoryAllocatorFactory;

// The engine whose threads the calling thread is one of, if any.
thread_local const LazyEventEngine* t_engine = nullptr;

absl::Status NotProvided(const char* what) {
  return absl::UnimplementedError(
      absl::StrCat("lp's gRPC event engine does not provide ", what,
                   " (gRPC 1.51 does its network I/O without an event engine); set "
                   "LP_GRPC_EVENT_ENGINE=grpc to use gRPC's own engine"));
}

}  // namespace

LazyEventEngine::~LazyEventEngine() {
  if (IsWorkerThread()) {
    // Its thread would go on in a freed engine once the closure returned.
    std::fprintf(stderr, "lp: LazyEventEngine destroyed by one of its own closures\n");
    std::abort();
  }
  std::vector<std::thread> threads;
  // Destroyed after the lock is released: a closure's captures may call the engine.
  std::deque<Task> tasks;
  std::map<std::pair<Clock::time_point, intptr_t>, Task> timers;
  {
    std::lock_guard lock(mu_);
    ending_ = true;
    threads.swap(threads_);
    tasks.swap(tasks_);
    timers.swap(timers_);
  }
  work_ready_.notify_all();
  timers_changed_.notify_all();
  for (std::thread& thread : threads) thread.join();
}

void LazyEventEngine::Run(Closure* closure) {
  Run([closure] { closure->Run(); });
}

void LazyEventEngine::Run(absl::AnyInvocable<void()> closure) {
  std::lock_guard lock(mu_);
  RunLocked(std::move(closure));
}

void LazyEventEngine::RunLocked(Task task) {
  if (ending_) return;
  tasks_.push_back(std::move(task));
  // Every queued task has an idle thread on its way, or gets a new one: a task that
  // blocks must not hold up the ones behind it (gRPC's own engine grows its pool too).
  if (static_cast<int>(tasks_.size()) > idle_workers_) {
    StartThreadLocked(&LazyEventEngine::Work);
  } else {
    work_ready_.notify_one();
  }
}

EventEngine::TaskHandle LazyEventEngine::RunAfter(Duration when, Closure* closure) {
  return RunAfterTask(when, [closure] { closure->Run(); });
}

EventEngine::TaskHandle LazyEventEngine::RunAfter(Duration when,
                                                  absl::AnyInvocable<void()> closure) {
  return RunAfterTask(when, std::move(closure));
}

EventEngine::TaskHandle LazyEventEngine::RunAfterTask(Duration when, Task task) {
  // Capped, so that a "never" of gRPC's does not overflow the clock.
  constexpr Duration kLongest = std::chrono::hours(24 * 365 * 100);
  const Clock::time_point deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::clamp(when, Duration::zero(), kLongest));
  std::lock_guard lock(mu_);
  if (ending_) return TaskHandle{{0, 0}};
  const intptr_t id = next_timer_id_++;
  const bool earliest = timers_.empty() || deadline < timers_.begin()->first.first;
  timers_.emplace(std::make_pair(deadline, id), std::move(task));
  if (!timer_thread_started_) {
    timer_thread_started_ = true;
    StartThreadLocked(&LazyEventEngine::WaitForTimers);
  } else if (earliest) {
    timers_changed_.notify_one();
  }
  return TaskHandle{{id, static_cast<intptr_t>(deadline.time_since_epoch().count())}};
}

bool LazyEventEngine::Cancel(TaskHandle handle) {
  if (handle.keys[0] == 0) return false;
  const Clock::time_point deadline{Clock::duration(handle.keys[1])};
  std::lock_guard lock(mu_);
  // None: already handed to a thread, or cancelled.
  return timers_.erase(std::make_pair(deadline, handle.keys[0])) == 1;
}

bool LazyEventEngine::IsWorkerThread() { return t_engine == this; }

int LazyEventEngine::ThreadsStarted() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(threads_.size());
}

void LazyEventEngine::StartThreadLocked(void (LazyEventEngine::*body)()) {
  threads_.emplace_back([this, body] {
    t_engine = this;
    (this->*body)();
  });
}

void LazyEventEngine::Work() {
  std::unique_lock lock(mu_);
  for (;;) {
    ++idle_workers_;
    work_ready_.wait(lock, [&] { return ending_ || !tasks_.empty(); });
    --idle_workers_;
    if (ending_) return;
    Task task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();
    task = nullptr;  // its captures go before the lock is taken again
    lock.lock();
  }
}

void LazyEventEngine::WaitForTimers() {
  std::unique_lock lock(mu_);
  while (!ending_) {
    if (timers_.empty()) {
      timers_changed_.wait(lock);
      continue;
    }
    const Clock::time_point next = timers_.begin()->first.first;
    if (Clock::now() < next) {
      timers_changed_.wait_until(lock, next);
      continue;
    }
    Task task = std::move(timers_.begin()->second);
    timers_.erase(timers_.begin());
    RunLocked(std::move(task));
  }
}

absl::StatusOr<std::unique_ptr<EventEngine::Listener>> LazyEventEngine::CreateListener(
    Listener::AcceptCallback, absl::AnyInvocable<void(absl::Status)>, const EndpointConfig&,
    std::unique_ptr<MemoryAllocatorFactory>) {
  return NotProvided("listeners");
}

EventEngine::ConnectionHandle LazyEventEngine::Connect(OnConnectCallback on_connect,
                                                       const ResolvedAddress&,
                                                       const EndpointConfig&, MemoryAllocator,
                                                       Duration) {
  // The callback must not run on the caller's stack.
  Run([on_connect = std::move(on_connect)]() mutable {
    on_connect(NotProvided("connections"));
  });
  return ConnectionHandle{{0, 0}};
}

bool LazyEventEngine::CancelConnect(ConnectionHandle) { return false; }

std::unique_ptr<EventEngine::DNSResolver> LazyEventEngine::GetDNSResolver(
    const DNSResolver::ResolverOptions&) {
  return nullptr;
}

namespace {

std::atomic<int> handles_alive{0};

// The process's one LazyEventEngine, never destroyed: held by a static, so that
// LeakSanitizer sees it reachable.
LazyEventEngine& ProcessEngine() {
  static LazyEventEngine* const engine = new LazyEventEngine;
  return *engine;
}

// What gRPC gets from the factory: a handle to the process's engine. gRPC 1.51 keeps its
// default engine only while a channel or server holds it, and drops it with the last one,
// on whatever thread that goes: even on the engine's own timer thread, when the last
// reference was the retry timer of a failed connection attempt whose channel is gone (a
// Slurm TLS test that connects in clear on purpose aborted so). A handle may go anywhere;
// the engine stays, with its threads and timers, and the next handle finds it.
class ProcessEngineHandle final : public grpc_event_engine::experimental::EventEngine {
 public:
  ProcessEngineHandle() { handles_alive.fetch_add(1, std::memory_order_relaxed); }
  ~ProcessEngineHandle() override { handles_alive.fetch_sub(1, std::memory_order_relaxed); }

  void Run(Closure* closure) override { ProcessEngine().Run(closure); }
  void Run(absl::AnyInvocable<void()> closure) override {
    ProcessEngine().Run(std::move(closure));
  }
  TaskHandle RunAfter(Duration when, Closure* closure) override {
    return ProcessEngine().RunAfter(when, closure);
  }
  TaskHandle RunAfter(Duration when, absl::AnyInvocable<void()> closure) override {
    return ProcessEngine().RunAfter(when, std::move(closure));
  }
  bool Cancel(TaskHandle handle) override { return ProcessEngine().Cancel(handle); }
  bool IsWorkerThread() override { return ProcessEngine().IsWorkerThread(); }
  absl::StatusOr<std::unique_ptr<Listener>> CreateListener(
      Listener::AcceptCallback on_accept, absl::AnyInvocable<void(absl::Status)> on_shutdown,
      const grpc_event_engine::experimental::EndpointConfig& config,
      std::unique_ptr<grpc_event_engine::experimental::MemoryAllocatorFactory>
          memory_allocator_factory) override {
    return ProcessEngine().CreateListener(std::move(on_accept), std::move(on_shutdown), config,
                                          std::move(memory_allocator_factory));
  }
  ConnectionHandle Connect(OnConnectCallback on_connect, const ResolvedAddress& address,
                           const grpc_event_engine::experimental::EndpointConfig& config,
                           grpc_event_engine::experimental::MemoryAllocator memory_allocator,
                           Duration timeout) override {
    return ProcessEngine().Connect(std::move(on_connect), address, config,
                                   std::move(memory_allocator), timeout);
  }
  bool CancelConnect(ConnectionHandle handle) override {
    return ProcessEngine().CancelConnect(handle);
  }
  std::unique_ptr<DNSResolver> GetDNSResolver(
      const DNSResolver::ResolverOptions& options) override {
    return ProcessEngine().GetDNSResolver(options);
  }
};

}  // namespace

int EngineHandlesHeldByGrpc() { return handles_alive.load(std::memory_order_relaxed); }

void UseLazyEventEngine() {
  const char* engine = std::getenv("LP_GRPC_EVENT_ENGINE");
  if (engine != nullptr && std::strcmp(engine, "grpc") == 0) return;
  grpc_event_engine::experimental::SetEventEngineFactory(
      [] { return std::make_unique<ProcessEngineHandle>(); });
}

}  // namespace lp::rpc
