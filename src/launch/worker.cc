#include "src/launch/worker.h"

#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <exception>
#include <iostream>
#include <mutex>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lp/internal/program_nodes.h"
#include "src/coordinator/coordinator_client.h"
#include "src/coordinator/env.h"
#include "src/core/current_runtime.h"
#include "src/core/format_notice.h"
#include "src/core/run_node.h"
#include "src/core/signal_watcher.h"
#include "src/core/stop_state.h"
#include "src/launch/argument_transfer.h"
#include "src/launch/program_runtime.h"
#include "src/launch/topology.h"
#include "src/process/die_with_parent.h"
#include "src/process/process_tree.h"

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
  WaitForTreeKillIfParentDied();  // the launcher died: its children are being killed
  _exit(code);
}

// Ends a worker that cannot run its node. When the coordinator can be reached, the
// launcher learns why from it (and names the cause, not just the exit code).
[[noreturn]] void FailSetup(const WorkerAssignment& assignment, const std::string& message,
                            CoordinatorClient* coordinator = nullptr) {
  std::fprintf(stderr, "lp: worker for node %s cannot run: %s\n",
               assignment.node.ToString().c_str(), message.c_str());
  if (coordinator != nullptr) {
    (void)coordinator->ReportExit(
        {.node = assignment.node, .exit_code = kWorkerSetupFailed, .message = message});
  }
  ExitWorker(kWorkerSetupFailed);
}

// What a worker tells the launcher about a node that failed.
ExitReport FailureReport(const NodeId& node, const NodeOutcome& outcome) {
  const bool call_failed = outcome.kind == NodeOutcome::Kind::kCallFailed;
  return {.node = node,
          .exit_code = call_failed ? kWorkerCallFailed : kWorkerNodeFailed,
          .message = outcome.message,
          .call_failed = call_failed};
}

// How the node ended, as the node thread reports it to the main thread.
struct NodeEnd {
  std::mutex mu;
  std::condition_variable changed;  // notified under mu
  // Guarded by mu:
  bool ended = false;
  NodeOutcome outcome;
  bool started = false;  // the coordinator's start notice came
  bool stopping = false;
  bool coordinator_lost = false;
  // Stop requests of this worker's own (coordinator notice, signal, lost launcher) still
  // running the stop handlers. The process must not end under them: they are the nodes'
  // chance to clean up, and StopState wakes the node before it runs them.
  int stop_requests_running = 0;
};

}  // namespace

void RunWorker(Program program, const WorkerAssignment& assignment,
               const ResolvedLaunchOptions& options) {
  const NodeId& id = assignment.node;
  // The processes the node starts must not outlive a launcher that was SIGKILLed.
  if (absl::Status guard = KillOwnTreeWhenParentDies(); !guard.ok()) {
    FailSetup(assignment, std::string(guard.message()));
  }
  absl::StatusOr<std::unique_ptr<CoordinatorClient>> created = CoordinatorClient::FromEnvironment(options.transport);
  if (!created.ok()) FailSetup(assignment, std::string(created.status().message()));
  std::shared_ptr<CoordinatorClient> coordinator = *std::move(created);

  // The coordinator compares fingerprints and explains a mismatch.
  std::vector<coordinator::NodeArguments> arguments;
  if (absl::StatusOr<std::string> registered =
          coordinator->Register(id, ProgramFingerprint(program), &arguments);
      !registered.ok()) {
    FailSetup(assignment, std::string(registered.status().message()), coordinator.get());
  }
  std::shared_ptr<NodeImpl> node = FindAnyNode(program, id);
  if (node == nullptr) {
    FailSetup(assignment, absl::StrCat("program '", program.name(), "' has no node ",
                                       id.ToString()));
  }
  // The node (and its inner nodes) are built from the launcher's values, not from this
  // process's run of main(); what cannot travel must have come out the same.
  if (absl::Status applied = ApplyProgramArguments(program, arguments); !applied.ok()) {
    FailSetup(assignment, std::string(applied.message()), coordinator.get());
  }

  absl::StatusOr<std::string> secret = GetEnv(kCourierSecretEnv);
  if (!secret.ok()) {
    FailSetup(assignment, std::string(secret.status().message()), coordinator.get());
  }
  std::shared_ptr<Runtime> runtime =
      NewRuntime(program.name(), assignment.launch_type, *std::move(secret),
                 options.transport, coordinator, assignment.launch);
  if (assignment.launch_type == LaunchType::kSlurm) {
    // Peers are on other machines: listen on every interface, and publish the address of
    // the interface that reaches the launcher, which is the cluster's network.
    absl::StatusOr<std::string> local = coordinator->LocalAddress();
    if (!local.ok()) FailSetup(assignment, std::string(local.status().message()), coordinator.get());
    runtime->server_host = absl::StrContains(*local, ':') ? "::" : "0.0.0.0";
    runtime->advertised_host = *local;
  }
  // A failing CourierNode tells the launcher before its server shuts down (see
  // Runtime::report_failure); the worker reports the same end again when it exits.
  runtime->report_failure = [coordinator](const NodeId& node, const NodeOutcome& outcome) {
    (void)coordinator->ReportExit(FailureReport(node, outcome));
  };
  SetLatestRuntime(runtime);
  AttachRuntime(program, runtime);

  auto end = std::make_shared<NodeEnd>();
  // Requests the stop and runs the stop handlers on the calling thread, counted in
  // end->stop_requests_running meanwhile. (A second request returns at once, but the
  // first is still counted until its handlers are done.)
  auto request_stop = [runtime, end] {
    {
      std::lock_guard lock(end->mu);
      ++end->stop_requests_running;
    }
    runtime->stop->RequestStop();
    std::lock_guard lock(end->mu);
    --end->stop_requests_running;
    end->changed.notify_all();
  };
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
  // Opening the watch tells the coordinator that this worker is ready: its arguments
  // matched the launcher's.
  absl::Status watching = coordinator->WatchStop(
      id, [request_stop](const std::string&) { request_stop(); },
      [request_stop, end, id](const absl::Status& why) {
        std::fprintf(stderr, "lp: node %s lost its launcher (%s); stopping\n",
                     id.ToString().c_str(), std::string(why.message()).c_str());
        {
          std::lock_guard lock(end->mu);
          end->coordinator_lost = true;
          end->changed.notify_all();
        }
        request_stop();
      },
      // Calls to a node that ended while the program goes on fail fast.
      [runtime](const std::vector<NodeId>& nodes, const std::string& how) {
        FailCallsToEndedNodes(*runtime, nodes, how);
      },
      [end] {
        std::lock_guard lock(end->mu);
        end->started = true;
        end->changed.notify_all();
      });
  if (!watching.ok()) FailSetup(assignment, std::string(watching.message()), coordinator.get());
  // SIGINT/SIGTERM to a worker stop the program, as they would the launcher.
  SignalWatcher::Subscribe([request_stop](int) { request_stop(); });

  const NodeContext context{program.name(), assignment.launch_type, id};
  std::thread node_thread([&, end] {
    // The node runs once every worker of the launch is ready, so that a launch one of
    // whose workers found an argument that differs (FailSetup above) fails before any
    // node runs. A stop before the start: the node never runs, and ends as if it had
    // returned. (A stop after it, even just after, finds the node running, as always.)
    {
      std::unique_lock lock(end->mu);
      end->changed.wait(lock, [&] {
        return end->started || end->stopping || end->coordinator_lost;
      });
      if (!end->started) {
        end->ended = true;
        end->changed.notify_all();
        return;
      }
    }
    NodeOutcome outcome = RunNode(*node, runtime, context);
    std::lock_guard lock(end->mu);
    end->ended = true;
    end->outcome = std::move(outcome);
    end->changed.notify_all();
  });
  // The node thread is never joined: the process ends with _exit either way, and a
  // straggling node cannot be joined.
  node_thread.detach();

  std::unique_lock lock(end->mu);
  end->changed.wait(lock, [&] { return end->ended || end->stopping || end->coordinator_lost; });
  // (A stop request may still be running the handlers after the node, woken first, ended.)
  if (!end->ended || end->stop_requests_running > 0) {
    // Stopping: give the node, and the stop handlers, their notice (shorter if nobody is
    // left to enforce it).
    absl::Duration notice = options.termination_notice;
    if (end->coordinator_lost && notice > kLostCoordinatorGrace) notice = kLostCoordinatorGrace;
    // While the launcher lives, it enforces the notice: it kills the worker's whole process
    // tree and reports the straggler. Exiting here at the same moment would race with it
    // (the worker's children, orphaned, would escape the kill, and the launcher would see
    // a failure instead of a straggler), so the worker's own deadline is only a backstop.
    const absl::Duration backstop =
        end->coordinator_lost ? notice : notice + kLostCoordinatorGrace;
    auto ended = [&] { return end->ended && end->stop_requests_running == 0; };
    if (notice == absl::InfiniteDuration()) {
      end->changed.wait(lock, ended);
    } else if (!end->changed.wait_for(lock, absl::ToChronoNanoseconds(backstop), ended)) {
      const std::string message =
          absl::StrCat("node ", id.ToString(), " did not stop within ",
                       FormatNotice(notice), " of the stop request");
      (void)coordinator->ReportExit({.node = id, .exit_code = kWorkerStraggled, .message = message});
      std::fprintf(stderr, "lp: %s; exiting\n", message.c_str());
      // The processes the node started must not outlive it.
      for (pid_t descendant : Descendants(getpid())) KillProcessTree(descendant, SIGKILL);
      ExitWorker(kWorkerStraggled);
    }
  }
  const NodeOutcome outcome = end->outcome;
  lock.unlock();
  // A call that failed because this worker's program is stopping ended the node cleanly.
  // One that failed before this worker heard of a stop goes to the launcher, which knows
  // whether the program was stopping (it hears a stop before any worker does).
  const bool failed = outcome.kind == NodeOutcome::Kind::kFailed ||
                      (outcome.kind == NodeOutcome::Kind::kCallFailed && !runtime->stop->IsStopping());
  if (failed) {
    if (outcome.kind == NodeOutcome::Kind::kFailed) {
      std::cout.flush();
      std::fprintf(stderr, "lp: node %s failed: %s\n", id.ToString().c_str(),
                   outcome.message.c_str());
    }
    const ExitReport report = FailureReport(id, outcome);
    (void)coordinator->ReportExit(report);
    ExitWorker(report.exit_code);
  }
  (void)coordinator->ReportExit({.node = id, .exit_code = 0});
  ExitWorker(0);
}

}  // namespace lp::internal
