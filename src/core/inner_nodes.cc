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
  std::optional<std::string> failure;
};

// Runs `node` once; returns the failure message, empty on success.
std::string RunOnce(NodeImpl& node, const Runtime& runtime, const NodeContext& context) {
  try {
    node.Run(runtime, context);
    return "";
  } catch (const std::exception& error) {
    return error.what()[0] != '\0' ? error.what() : "an exception with an empty message";
  } catch (...) {
    return "an exception that is not a std::exception";
  }
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
      ScopedNodeThread as_node(shared_runtime, &context);
      std::string failure;
      for (;;) {
        failure = RunOnce(*node, *shared_runtime, context);
        if (failure.empty() || shared_runtime->stop->IsStopping()) break;
        std::lock_guard lock(progress->mu);
        if (progress->retries_left == 0) break;
        --progress->retries_left;
        std::fprintf(stderr, "lp: inner node %s failed (%s); running it again\n",
                     context.node.ToString().c_str(), failure.c_str());
      }
      std::lock_guard lock(progress->mu);
      if (!failure.empty() && !progress->failure.has_value()) {
        progress->failure = absl::StrCat("inner node ", context.node.ToString(), " failed: ", failure);
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
    throw std::runtime_error(*progress->failure);
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
