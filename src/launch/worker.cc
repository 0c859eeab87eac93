#include "src/launch/worker.h"

#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <exception>
#include <iostream>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "lp/internal/program_nodes.h"
#include "src/coordinator/coordinator_client.h"
#include "src/core/current_runtime.h"
#include "src/core/signal_watcher.h"
#include "src/core/stop_state.h"
#include "src/launch/topology.h"

namespace lp::internal {
namespace {

// How long a worker that lost its coordinator waits for its node to return before it
// exits anyway: nobody is left to kill it.
constexpr absl::Duration kLostCoordinatorGrace = absl::Seconds(5);

// Ends the worker process. _exit rather than exit: the user's static objects and gRPC's
// global state belong to a main() that never returns here, and tearing them down from a
// worker only risks hangs; output is flushed first.
[[noreturn]] void ExitWorker(int code) {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  _exit(code);
}

[[noreturn]] void FailSetup(const WorkerAssignment& assignment, const std::string& message) {
  std::fprintf(stderr, "lp: worker for node %s cannot run: %s\n",
               assignment.node.ToString().c_str(), message.c_str());
  ExitWorker(kWorkerSetupFailed);
}

// How the node ended, as the node thread reports it to the main thread.
struct NodeEnd {
  std::mutex mu;
  std::condition_variable changed;  // notified under mu
  // Guarded by mu:
  bool ended = false;
  std::string failure;             // empty when the node ended normally
  bool stopping = false;
  bool coordinator_lost = false;
};

}  // namespace

void RunWorker(Program program, const WorkerAssignment& assignment,
               const ResolvedLaunchOptions& options) {
  const NodeId& id = assignment.node;
  absl::StatusOr<std::unique_ptr<CoordinatorClient>> created = CoordinatorClient::FromEnvironment();
  if (!created.ok()) FailSetup(assignment, std::string(created.status().message()));
  std::shared_ptr<CoordinatorClient> coordinator = *std::move(created);

  // The coordinator compares fingerprints and explains a mismatch.
  if (absl::StatusOr<std::string> registered =
          coordinator->Register(id, ProgramFingerprint(program));
      !registered.ok()) {
    FailSetup(assignment, std::string(registered.status().message()));
  }
  std::shared_ptr<NodeImpl> node = FindAnyNode(program, id);
  if (node == nullptr) {
    FailSetup(assignment, absl::StrCat("program '", program.name(), "' has no node ",
                                       id.ToString()));
  }

  auto runtime = std::make_shared<Runtime>();
  runtime->program_name = program.name();
  runtime->launch_type = assignment.launch_type;
  runtime->addresses = coordinator;
  runtime->stop = std::make_shared<StopState>();
  SetLatestRuntime(runtime);
  AttachRuntime(program, runtime);

  auto end = std::make_shared<NodeEnd>();
  runtime->stop->Register([end] {
    std::lock_guard lock(end->mu);
    end->stopping = true;
    end->changed.notify_all();
  });
  // lp::Stop() in this process stops the whole program: the coordinator tells everyone.
  runtime->stop->Register([coordinator, id] {
    (void)coordinator->RequestStop(absl::StrCat("node ", id.ToString(), " stopped the program"),
                                   id);
  });
  absl::Status watching = coordinator->WatchStop(
      id, [runtime](const std::string&) { runtime->stop->RequestStop(); },
      [runtime, end, id](const absl::Status& why) {
        std::fprintf(stderr, "lp: node %s lost its launcher (%s); stopping\n",
                     id.ToString().c_str(), std::string(why.message()).c_str());
        {
          std::lock_guard lock(end->mu);
          end->coordinator_lost = true;
          end->changed.notify_all();
        }
        runtime->stop->RequestStop();
      });
  if (!watching.ok()) FailSetup(assignment, std::string(watching.message()));
  // SIGINT/SIGTERM to a worker stop the program, as they would the launcher.
  SignalWatcher::Subscribe([runtime](int) { runtime->stop->RequestStop(); });

  const NodeContext context{program.name(), assignment.launch_type, id};
  std::thread node_thread([&, end] {
    std::string failure;
    {
      ScopedNodeThread as_node(runtime, &context);
      try {
        node->Run(*runtime, context);
      } catch (const std::exception& error) {
        failure = error.what();
        if (failure.empty()) failure = "an exception with an empty message";
      } catch (...) {
        failure = "an exception that is not a std::exception";
      }
    }
    std::lock_guard lock(end->mu);
    end->ended = true;
    end->failure = std::move(failure);
    end->changed.notify_all();
  });
  // The node thread is never joined: the process ends with _exit either way, and a
  // straggling node cannot be joined.
  node_thread.detach();

  std::unique_lock lock(end->mu);
  end->changed.wait(lock, [&] { return end->ended || end->stopping || end->coordinator_lost; });
  if (!end->ended) {
    // Stopping: give the node its notice (shorter if nobody is left to enforce it).
    absl::Duration notice = options.termination_notice;
    if (end->coordinator_lost && notice > kLostCoordinatorGrace) notice = kLostCoordinatorGrace;
    auto ended = [&] { return end->ended; };
    if (notice == absl::InfiniteDuration()) {
      end->changed.wait(lock, ended);
    } else if (!end->changed.wait_for(lock, absl::ToChronoNanoseconds(notice), ended)) {
      const std::string message =
          absl::StrCat("node ", id.ToString(), " did not stop within ",
                       absl::FormatDuration(notice), " of the stop request");
      (void)coordinator->ReportExit({.node = id, .exit_code = kWorkerStraggled, .message = message});
      std::fprintf(stderr, "lp: %s; exiting\n", message.c_str());
      ExitWorker(kWorkerStraggled);
    }
  }
  const std::string failure = end->failure;
  lock.unlock();
  if (!failure.empty()) {
    const std::string message = absl::StrCat("node ", id.ToString(), " failed: ", failure);
    std::cout.flush();
    std::fprintf(stderr, "lp: %s\n", message.c_str());
    (void)coordinator->ReportExit({.node = id, .exit_code = kWorkerNodeFailed, .message = failure});
    ExitWorker(kWorkerNodeFailed);
  }
  (void)coordinator->ReportExit({.node = id, .exit_code = 0});
  ExitWorker(0);
}

}  // namespace lp::internal
