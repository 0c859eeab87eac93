#ifndef LP_SRC_PROCESS_PROCESS_SPAWNER_H_
#define LP_SRC_PROCESS_PROCESS_SPAWNER_H_

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "absl/status/statusor.h"
#include "src/process/spawn.h"

namespace lp::internal {

// Runs every Spawn() on one long-lived thread.
//
// Why: PR_SET_PDEATHSIG (SpawnSpec::kill_on_parent_death) fires when the *thread* that
// forked the child exits, not when the process does. A launcher that spawns workers from
// a short-lived thread (a node-restart thread, a test body) would see them SIGKILLed as
// soon as that thread ends. Forking from a thread that lives as long as the spawner keeps
// the promise the flag makes: the children die with the process, and only then.
//
// Thread safety: Spawn may be called from any thread; calls are served one at a time.
// Synchronized with std::mutex and std::condition_variable, not absl::Mutex: Debian's
// Abseil is not built for ThreadSanitizer, so TSan cannot see the ordering an
// absl::Mutex provides and would report false races.
class ProcessSpawner {
 public:
  ProcessSpawner();
  // Serves the requests already queued, then joins the thread.
  ~ProcessSpawner();
  ProcessSpawner(const ProcessSpawner&) = delete;
  ProcessSpawner& operator=(const ProcessSpawner&) = delete;

  // The process-wide spawner, never destroyed: its thread lives until the process exits,
  // so children spawned through it are killed exactly when the process dies.
  static ProcessSpawner& Global();

  // Like Spawn(spec), but the fork happens on the spawner's thread. Blocks until the
  // child has exec'ed (or failed to).
  absl::StatusOr<SpawnedProcess> Spawn(const SpawnSpec& spec);

 private:
  struct Request {
    const SpawnSpec* spec;
    absl::StatusOr<SpawnedProcess> result = absl::UnknownError("not served");
    bool done = false;
  };

  void Serve();

  std::mutex mu_;
  // Notified under mu_ when a request is queued or shutting_down_ is set.
  std::condition_variable work_;
  // Notified (all) under mu_ when a request is done: every caller waits on its own one.
  std::condition_variable served_;
  // Guarded by mu_ (as are the `result` and `done` of every Request):
  std::deque<Request*> queue_;
  bool shutting_down_ = false;

  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace lp::internal

#endif  // LP_SRC_PROCESS_PROCESS_SPAWNER_H_
