#include "src/core/inner_nodes.h"

#include <condition_variable>
#include <cstdio>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "absl/strings/str_cat.h"
#include "src/core/current_runtime.h"
#include "src/core/run_node.h"
#include "src/core/stop_state.h"

namespace lp::internal {
namespace {

// Shared between the calling thread and the inner threads, which may outlive the call
// (return_on_first_completed).
struct Progress {
  std::mutex mu;
  std::condition_variable changed;  // notified under mu
  // Guarded by mu:
  int running = 0;
  int ended = 0;
  int retries_left = 0;
  std::optional<NodeOutcome> failure;  // the first inner failure, its message naming it
};

// Whether `outcome` fails the colocation: a call that failed because the program stops
// (or stopped meanwhile) is a clean end, like ProgramStoppedError.
bool Fails(const NodeOutcome& outcome, const Runtime& runtime) {
  if (outcome.kind == NodeOutcome::Kind::kCallFailed) return !runtime.stop->IsStopping();
  return outcome.is_failure();
}

}  // namespace

void RunInnerNodesAsThreads(const Runtime& runtime, const NodeContext& outer,
                            const std::vector<std::shared_ptr<NodeImpl>>& inner,
                            InnerRunOptions options) {
  std::shared_ptr<Runtime> shared_runtime = CurrentRuntime();
  auto progress = std::make_shared<Progress>();
  progress->running = static_cast<int>(inner.size());
  progress->retries_left = options.num_retries_on_failure;
  std::vector<std::thread> threads;
  for (const std::shared_ptr<NodeImpl>& node : inner) {
    threads.emplace_back([node, progress, shared_runtime, outer] {
      const NodeContext context{outer.program_name, outer.launch_type, node->record()->id()};
      NodeOutcome outcome;
      for (;;) {
        outcome = RunNode(*node, shared_runtime, context);
        if (!Fails(outcome, *shared_runtime) || shared_runtime->stop->IsStopping()) break;
        std::lock_guard lock(progress->mu);
        if (progress->retries_left == 0) break;
        --progress->retries_left;
        std::fprintf(stderr, "lp: inner node %s failed (%s); running it again\n",
                     context.node.ToString().c_str(), outcome.message.c_str());
        if (shared_runtime->report_restart) shared_runtime->report_restart(context.node);
      }
      std::lock_guard lock(progress->mu);
      if (Fails(outcome, *shared_runtime) && !progress->failure.has_value()) {
        outcome.message =
            absl::StrCat("inner node ", context.node.ToString(), " failed: ", outcome.message);
        progress->failure = std::move(outcome);
      }
      --progress->running;
      ++progress->ended;
      progress->changed.notify_all();
    });
  }
  std::unique_lock lock(progress->mu);
  progress->changed.wait(lock, [&] {
    return progress->running == 0 || progress->failure.has_value() ||
           (options.return_on_first_completed && progress->ended > 0);
  });
  if (progress->failure.has_value()) {
    lock.unlock();
    // The colocation fails; the program stops, and with it the other inner nodes.
    runtime.stop->RequestStop();
    for (std::thread& thread : threads) thread.join();
    throw InnerNodeError(progress->failure->kind, progress->failure->message);
  }
  lock.unlock();
  if (progress->running > 0) {
    // return_on_first_completed: the rest end with the program, on their own.
    for (std::thread& thread : threads) thread.detach();
    return;
  }
  for (std::thread& thread : threads) thread.join();
}

}  // namespace lp::internal
