// MultiProcessingColocation::Run: each inner node a subprocess of the colocation's worker.

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "absl/strings/str_cat.h"
#include "lp/colocation.h"
#include "lp/internal/node_outcome.h"
#include "src/core/inner_nodes.h"
#include "src/core/stop_state.h"
#include "src/core/worker_environment.h"
#include "src/launch/worker.h"
#include "src/launch/worker_command.h"
#include "src/process/process_spawner.h"
#include "src/process/wait_for_exit.h"

namespace lp::internal {
namespace {

bool IsThreadLaunch(LaunchType type) {
  return type == LaunchType::kLocalMt || type == LaunchType::kTestMt;
}

// Shared by the threads that each watch (and restart) one inner process.
struct Supervision {
  std::mutex mu;
  std::condition_variable changed;  // notified under mu
  // Guarded by mu:
  int running = 0;
  int retries_left = 0;
  std::optional<NodeOutcome> failure;  // the first inner failure, its message naming it
};

// The port `node`'s Courier server listens on now, to restart it on the same one; empty
// when it has none (or it never got to publish it).
std::string CurrentCourierPort(const Runtime& runtime, const NodeId& node) {
  absl::StatusOr<std::string> address =
      runtime.addresses->Resolve(node, kCourierEndpoint, absl::Now() + absl::Seconds(1));
  if (!address.ok()) return "";
  return address->substr(address->rfind(':') + 1);
}

}  // namespace

void ProcessColocationImpl::Run(const Runtime& runtime, const NodeContext& context) {
  if (IsThreadLaunch(runtime.launch_type)) {
    // No processes in a thread launch: the inner nodes run as threads, retries and all.
    RunInnerNodesAsThreads(runtime, context, inner_,
                           {.num_retries_on_failure = num_retries_on_failure_});
    return;
  }
  // This process is the colocation's worker: its command line and environment (how to
  // reach the coordinator, which launch) are exactly what the inner workers need, except
  // for the node they run.
  absl::StatusOr<std::vector<std::string>> argv = OwnCommandLine();
  if (!argv.ok()) throw std::runtime_error(std::string(argv.status().message()));

  auto supervision = std::make_shared<Supervision>();
  supervision->running = static_cast<int>(inner_.size());
  supervision->retries_left = num_retries_on_failure_;
  std::vector<std::thread> watchers;
  for (const std::shared_ptr<NodeImpl>& node : inner_) {
    watchers.emplace_back([&runtime, node, supervision, argv = *argv] {
      const NodeId id = node->record()->id();
      std::string port;  // empty: any
      std::string failure;
      // The inner worker's own verdict: a failed call, or a failure of its own.
      NodeOutcome::Kind kind = NodeOutcome::Kind::kFailed;
      for (int attempt = 1;; ++attempt) {
        SpawnSpec spec{.argv = argv, .env_overrides = {{kNodeEnv, id.ToString()}}};
        if (!port.empty()) spec.env_overrides.emplace_back(kCourierPortEnv, port);
        absl::StatusOr<SpawnedProcess> process = ProcessSpawner::Global().Spawn(spec);
        if (!process.ok()) {
          failure = std::string(process.status().message());
          break;
        }
        absl::StatusOr<ExitInfo> exit = WaitForExit(process->pid, absl::InfiniteFuture());
        if (exit.ok() && exit->success()) break;
        failure = exit.ok() ? exit->ToString() : std::string(exit.status().message());
        kind = exit.ok() && !exit->signaled() && exit->exit_code == kWorkerCallFailed
                   ? NodeOutcome::Kind::kCallFailed
                   : NodeOutcome::Kind::kFailed;
        if (runtime.stop->IsStopping()) break;
        {
          std::lock_guard lock(supervision->mu);
          if (supervision->retries_left == 0) break;
          --supervision->retries_left;
        }
        std::fprintf(stderr, "lp: inner node %s %s; starting it again (restart %d)\n",
                     id.ToString().c_str(), failure.c_str(), attempt);
        port = CurrentCourierPort(runtime, id);
        failure.clear();
      }
      std::lock_guard lock(supervision->mu);
      if (!failure.empty() && !supervision->failure.has_value()) {
        supervision->failure =
            NodeOutcome{kind, absl::StrCat("inner node ", id.ToString(), " failed: ", failure)};
      }
      --supervision->running;
      supervision->changed.notify_all();
    });
  }
  std::unique_lock lock(supervision->mu);
  supervision->changed.wait(lock, [&] {
    return supervision->running == 0 || supervision->failure.has_value();
  });
  lock.unlock();
  if (supervision->failure.has_value()) runtime.stop->RequestStop();
  for (std::thread& watcher : watchers) watcher.join();
  if (supervision->failure.has_value()) {
    throw InnerNodeError(supervision->failure->kind, supervision->failure->message);
  }
}

}  // namespace lp::internal
