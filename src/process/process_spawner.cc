#include "src/process/process_spawner.h"

namespace lp::internal {

ProcessSpawner::ProcessSpawner() : thread_([this] { Serve(); }) {}

ProcessSpawner::~ProcessSpawner() {
  {
    absl::MutexLock lock(&mu_);
    shutting_down_ = true;
  }
  thread_.join();
}

ProcessSpawner& ProcessSpawner::Global() {
  static ProcessSpawner* const spawner = new ProcessSpawner();
  return *spawner;
}

absl::StatusOr<SpawnedProcess> ProcessSpawner::Spawn(const SpawnSpec& spec) {
  Request request{&spec};
  absl::MutexLock lock(&mu_);
  queue_.push_back(&request);
  mu_.Await(absl::Condition(&request.done));
  return std::move(request.result);
}

void ProcessSpawner::Serve() {
  for (;;) {
    Request* request = nullptr;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](ProcessSpawner* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
            return self->shutting_down_ || !self->queue_.empty();
          },
          this));
      if (queue_.empty()) return;  // shutting down, nothing left to serve
      request = queue_.front();
      queue_.pop_front();
    }
    // Outside the lock: a fork waits for the child's exec, other callers may queue.
    absl::StatusOr<SpawnedProcess> result = internal::Spawn(*request->spec);
    absl::MutexLock lock(&mu_);
    request->result = std::move(result);
    request->done = true;
  }
}

}  // namespace lp::internal
