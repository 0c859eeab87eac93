// LazyEventEngine: gRPC's EventEngine for lp processes, with no thread until one is needed.
//
// gRPC 1.51 (Debian 12) creates a default EventEngine with the first channel or server of
// a process, and that engine starts four threads at once (three `event_engine`, one
// `timer_manager`). Yet with the transport gRPC 1.51 uses by default (its older I/O
// manager, which has threads of its own) that engine is seldom asked for anything: a
// probe engine that counted every call saw none over servers, channels, calls and their
// shutdown; a connection attempt that fails asks it for a timer, the subchannel's retry
// after its backoff. The four threads are a start-up and teardown cost paid by every process, and
// a launch of many workers pays it once per worker: creating, faulting in and tearing down
// the stacks of 4 of a worker's ~15 threads ("Fewer gRPC threads per worker" in
// docs/performance.md).
//
// This engine does what an EventEngine must do for gRPC's own callers, closures run soon
// (`Run`) or later (`RunAfter`, `Cancel`), on threads it starts on the first such
// request. Network I/O (`Connect`, `CreateListener`, `GetDNSResolver`) is not provided:
// gRPC 1.51's own engine does not provide it either (it aborts with "unimplemented"), and
// gRPC uses its I/O manager for those. They fail with a status instead of aborting.
//
// `UseLazyEventEngine()` makes it gRPC's default for the process; lp calls it before it
// first initialises gRPC (`KeepGrpcInitialized`). LP_GRPC_EVENT_ENGINE=grpc keeps gRPC's
// own engine, to compare the two.
#ifndef LP_SRC_COURIER_RPC_LAZY_EVENT_ENGINE_H_
#define LP_SRC_COURIER_RPC_LAZY_EVENT_ENGINE_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <grpc/event_engine/event_engine.h>

#include "absl/functional/any_invocable.h"

namespace lp::rpc {

// Thread-safe: gRPC calls it from any thread. Destroying it drops the closures not yet
// run and joins its threads once their running closures return; it must not be destroyed
// by one of its own closures (that aborts). The one gRPC uses is never destroyed: gRPC
// gets handles to it (UseLazyEventEngine).
class LazyEventEngine final : public grpc_event_engine::experimental::EventEngine {
 public:
  LazyEventEngine() = default;
  ~LazyEventEngine() override;

  // Closures run on the engine's threads, in the order they were asked for when one
  // thread is free. A closure that blocks does not hold the others up: when every thread
  // is busy, the next closure starts a thread of its own (threads stay, idle, for the
  // engine's life).
  void Run(Closure* closure) override;
  void Run(absl::AnyInvocable<void()> closure) override;
  // Runs the closure once `when` has passed, unless it is cancelled first. One thread
  // waits for every timer, started with the first.
  TaskHandle RunAfter(Duration when, Closure* closure) override;
  TaskHandle RunAfter(Duration when, absl::AnyInvocable<void()> closure) override;
  // True when the closure had not started yet and now never will.
  bool Cancel(TaskHandle handle) override;
  // True on the engine's own threads.
  bool IsWorkerThread() override;

  // Not provided (see the file comment): errors, at once.
  absl::StatusOr<std::unique_ptr<Listener>> CreateListener(
      Listener::AcceptCallback on_accept, absl::AnyInvocable<void(absl::Status)> on_shutdown,
      const grpc_event_engine::experimental::EndpointConfig& config,
      std::unique_ptr<grpc_event_engine::experimental::MemoryAllocatorFactory>
          memory_allocator_factory) override;
  ConnectionHandle Connect(OnConnectCallback on_connect, const ResolvedAddress& address,
                           const grpc_event_engine::experimental::EndpointConfig& config,
                           grpc_event_engine::experimental::MemoryAllocator memory_allocator,
                           Duration timeout) override;
  bool CancelConnect(ConnectionHandle handle) override;
  std::unique_ptr<DNSResolver> GetDNSResolver(const DNSResolver::ResolverOptions& options) override;

  // Threads the engine has started so far (for tests: none until a closure was asked for).
  int ThreadsStarted() const;

 private:
  using Task = absl::AnyInvocable<void()>;
  using Clock = std::chrono::steady_clock;

  // Queues `task` and makes sure a thread will run it. Called with mu_ held.
  void RunLocked(Task task);
  TaskHandle RunAfterTask(Duration when, Task task);
  void Work();
  void WaitForTimers();
  void StartThreadLocked(void (LazyEventEngine::*body)());

  mutable std::mutex mu_;
  std::condition_variable work_ready_;   // a task was queued, or the engine ends
  std::condition_variable timers_changed_;  // an earlier timer, or the engine ends
  // Guarded by mu_:
  bool ending_ = false;
  std::deque<Task> tasks_;
  int idle_workers_ = 0;
  bool timer_thread_started_ = false;
  intptr_t next_timer_id_ = 1;  // 0 is no timer
  // Earliest first. A TaskHandle holds its timer's key: the id, and the deadline's ticks.
  std::map<std::pair<Clock::time_point, intptr_t>, Task> timers_;
  std::vector<std::thread> threads_;
};

// Makes one LazyEventEngine, kept for the life of the process, the default EventEngine of
// every gRPC channel and server this process creates from now on, unless
// LP_GRPC_EVENT_ENGINE=grpc. (gRPC 1.51 drops its default engine with the last channel or
// server that holds it, on whatever thread that happens, its own included, and makes a
// new one with the next: it gets handles that forward to the one engine.) Must come before gRPC
// creates its default engine (the first channel or server) to save its threads:
// KeepGrpcInitialized calls it, once, before grpc_init.
void UseLazyEventEngine();

// How many handles to the process's engine gRPC holds now (for tests).
int EngineHandlesHeldByGrpc();

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_LAZY_EVENT_ENGINE_H_
