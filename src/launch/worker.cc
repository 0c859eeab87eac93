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
#include "src/core/current_runtime.h"
#include "src/core/format_notice.h"
#include "src/core/run_node.h"
#include "src/core/signal_watcher.h"
#include "src/core/stop_state.h"
#include "src/core/worker_environment.h"
#include "src/launch/argument_transfer.h"
#include "src/launch/program_runtime.h"
#include "src/launch/topology.h"
#include "src/process/die_with_parent.h"
#include "src/process/malloc_arenas.h"
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

// Step 1. Joins the launch: connects to the coordinator and registers this node. The
// coordinator compares this process's program with the launcher's (and explains a
// mismatch) and answers with the launcher's node arguments, which replace the values
// this process's run of main() computed; what cannot travel must have come out the same.
std::shared_ptr<CoordinatorClient> JoinLaunch(const Program& program,
                                              const std::string& fingerprint,
                                              const WorkerAssignment& assignment,
                                              const ResolvedLaunchOptions& options) {
  const NodeId& id = assignment.node;
  absl::StatusOr<std::unique_ptr<CoordinatorClient>> created =
      CoordinatorClient::FromEnvironment(options.transport);
  if (!created.ok()) FailSetup(assignment, std::string(created.status().message()));
  std::shared_ptr<CoordinatorClient> coordinator = *std::move(created);

  std::vector<coordinator::NodeArguments> arguments;
  if (absl::StatusOr<std::string> registered =
          coordinator->Register(id, fingerprint, &arguments);
      !registered.ok()) {
    FailSetup(assignment, std::string(registered.status().message()), coordinator.get());
  }
  if (FindAnyNode(program, id) == nullptr) {
    FailSetup(assignment, absl::StrCat("program '", program.name(), "' has no node ",
                                       id.ToString()));
  }
  // The node and its inner nodes alike.
  if (absl::Status applied = ApplyProgramArguments(program, arguments); !applied.ok()) {
    FailSetup(assignment, std::string(applied.message()), coordinator.get());
  }
  return coordinator;
}

// Step 2. The runtime the node runs in: the launch's secret and transport, addresses and
// the stop through the coordinator. Attached to the program, so handles resolve in it.
std::shared_ptr<Runtime> AttachWorkerRuntime(const Program& program,
                                             const WorkerAssignment& assignment,
                                             const ResolvedLaunchOptions& options,
                                             const std::shared_ptr<CoordinatorClient>& coordinator) {
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
  return runtime;
}

// Step 3. Every way a stop reaches this worker, wired to `end`: the coordinator's notice,
// a lost coordinator, SIGINT/SIGTERM, and lp::Stop() in this process (which the
// coordinator then tells everyone). Opening the coordinator's watch also tells it that
// this worker is ready (its arguments matched), and brings the start notice.
void ListenForStop(const WorkerAssignment& assignment, const std::shared_ptr<Runtime>& runtime,
                   const std::shared_ptr<CoordinatorClient>& coordinator,
                   const std::shared_ptr<NodeEnd>& end) {
  const NodeId& id = assignment.node;
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
  runtime->stop->Register([coordinator, id] {
    (void)coordinator->RequestStop(absl::StrCat("node ", id.ToString(), " stopped the program"),
                                   id);
  });
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
  SignalWatcher::Subscribe([request_stop](int) { request_stop(); });
}

// Step 4. Runs the node on a thread of its own once every worker of the launch is ready,
// so that a launch one of whose workers found an argument that differs (JoinLaunch) fails
// before any node runs. A stop before the start: the node never runs, and ends as if it
// had returned. (A stop after it, even just after, finds the node running, as always.)
void StartNode(std::shared_ptr<NodeImpl> node, std::shared_ptr<Runtime> runtime,
               NodeContext context, std::shared_ptr<NodeEnd> end) {
  std::thread node_thread([node = std::move(node), runtime = std::move(runtime),
                           context = std::move(context), end = std::move(end)] {
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
  // Never joined: the process ends with _exit either way, and a straggling node cannot
  // be joined.
  node_thread.detach();
}

// Step 5. Waits for the node to end. Once the program stops, the node and the stop
// handlers get the termination notice (shorter if nobody is left to enforce it); a node
// that overruns it is reported as a straggler and the worker exits, killing what the
// node started.
NodeOutcome WaitForNodeEnd(NodeEnd& end, const NodeId& id, absl::Duration termination_notice,
                           CoordinatorClient& coordinator) {
  std::unique_lock lock(end.mu);
  end.changed.wait(lock, [&] { return end.ended || end.stopping || end.coordinator_lost; });
  // (A stop request may still be running the handlers after the node, woken first, ended.)
  if (end.ended && end.stop_requests_running == 0) return end.outcome;
  absl::Duration notice = termination_notice;
  if (end.coordinator_lost && notice > kLostCoordinatorGrace) notice = kLostCoordinatorGrace;
  // While the launcher lives, it enforces the notice: it kills the worker's whole process
  // tree and reports the straggler. Exiting here at the same moment would race with it
  // (the worker's children, orphaned, would escape the kill, and the launcher would see a
  // failure instead of a straggler), so the worker's own deadline is only a backstop.
  const absl::Duration backstop = end.coordinator_lost ? notice : notice + kLostCoordinatorGrace;
  auto ended = [&] { return end.ended && end.stop_requests_running == 0; };
  if (notice == absl::InfiniteDuration()) {
    end.changed.wait(lock, ended);
  } else if (!end.changed.wait_for(lock, absl::ToChronoNanoseconds(backstop), ended)) {
    const std::string message = absl::StrCat("node ", id.ToString(), " did not stop within ",
                                             FormatNotice(notice), " of the stop request");
    (void)coordinator.ReportExit({.node = id, .exit_code = kWorkerStraggled, .message = message});
    std::fprintf(stderr, "lp: %s; exiting\n", message.c_str());
    // The processes the node started must not outlive it.
    for (pid_t descendant : Descendants(getpid())) KillProcessTree(descendant, SIGKILL);
    ExitWorker(kWorkerStraggled);
  }
  return end.outcome;
}

// Step 6. Tells the launcher how the node ended, and exits with the matching code. A call
// that failed because this worker's program is stopping ended the node cleanly. One that
// failed before this worker heard of a stop goes to the launcher, which knows whether the
// program was stopping (it hears a stop before any worker does).
[[noreturn]] void ReportEndAndExit(const NodeId& id, const NodeOutcome& outcome,
                                   const Runtime& runtime, CoordinatorClient& coordinator) {
  const bool failed =
      outcome.kind == NodeOutcome::Kind::kFailed ||
      (outcome.kind == NodeOutcome::Kind::kCallFailed && !runtime.stop->IsStopping());
  if (!failed) {
    (void)coordinator.ReportExit({.node = id, .exit_code = 0});
    ExitWorker(0);
  }
  if (outcome.kind == NodeOutcome::Kind::kFailed) {
    std::cout.flush();
    std::fprintf(stderr, "lp: node %s failed: %s\n", id.ToString().c_str(),
                 outcome.message.c_str());
  }
  const ExitReport report = FailureReport(id, outcome);
  (void)coordinator.ReportExit(report);
  ExitWorker(report.exit_code);
}

}  // namespace

void RunWorker(Program program, std::string fingerprint, const WorkerAssignment& assignment,
               const ResolvedLaunchOptions& options) {
  // Before the worker's threads (lp's and gRPC's) make arenas of their own.
  LimitMallocArenasToCpus();
  // The processes the node starts must not outlive a launcher that was SIGKILLed.
  if (absl::Status guard = KillOwnTreeWhenParentDies(); !guard.ok()) {
    FailSetup(assignment, std::string(guard.message()));
  }
  std::shared_ptr<CoordinatorClient> coordinator =
      JoinLaunch(program, fingerprint, assignment, options);
  std::shared_ptr<Runtime> runtime = AttachWorkerRuntime(program, assignment, options, coordinator);
  auto end = std::make_shared<NodeEnd>();
  ListenForStop(assignment, runtime, coordinator, end);
  StartNode(FindAnyNode(program, assignment.node), runtime,
            NodeContext{program.name(), assignment.launch_type, assignment.node}, end);
  const NodeOutcome outcome =
      WaitForNodeEnd(*end, assignment.node, options.termination_notice, *coordinator);
  ReportEndAndExit(assignment.node, outcome, *runtime, *coordinator);
}

}  // namespace lp::internal
