#include "src/process/process_spawner.h"

namespace lp::internal {

ProcessSpawner::ProcessSpawner() : thread_([this] { Serve(); }) {}

ProcessSpawner::~ProcessSpawner() {
  {
    std::lock_guard lock(mu_);
    shutting_down_ = true;
    work_.notify_one();
  }
  thread_.join();
}

ProcessSpawner& ProcessSpawner::Global() {
  static ProcessSpawner* const spawner = new ProcessSpawner();
  return *spawner;
}

absl::StatusOr<SpawnedProcess> ProcessSpawner::Spawn(const SpawnSpec& spec) {
  Request request{&spec};
  std::unique_lock lock(mu_);
  queue_.push_back(&request);
  work_.notify_one();
  served_.wait(lock, [&request] { return request.done; });
  return std::move(request.result);
}

void ProcessSpawner::Serve() {
  for (;;) {
    Request* request = nullptr;
    {
      std::unique_lock lock(mu_);
      work_.wait(lock, [this] { return shutting_down_ || !queue_.empty(); });
      if (queue_.empty()) return;  // shutting down, nothing left to serve
      request = queue_.front();
      queue_.pop_front();
    }
    // Outside the lock: a fork waits for the child's exec, other callers may queue.
    absl::StatusOr<SpawnedProcess> result = internal::Spawn(*request->spec);
    // Notifying under the lock: once it sees `done`, the caller returns and its Request
    // (on its stack) is gone, and it may go on to destroy the spawner.
    std::lock_guard lock(mu_);
    request->result = std::move(result);
    request->done = true;
    served_.notify_all();
  }
}

}  // namespace lp::internal
