#include "src/launch/supervisor.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lp/internal/deadline_wait.h"
#include "lp/internal/program_nodes.h"
#include "lp/launch.h"
#include "src/core/format_notice.h"
#include "src/core/signal_watcher.h"
#include "src/core/stop_state.h"
#include "src/launch/test_hooks.h"
#include "src/launch/program_runtime.h"
#include "src/launch/launch_status.h"
#include "src/launch/termination_notice.h"
#include "src/status/exit_summary.h"

namespace lp::internal {

namespace {

// `node` and the inner nodes that go with it; just `node` when the program has no such node
// (a backend's units that are not the program's, as in the supervisor's own tests).
std::vector<NodeId> NodeAndInner(const Program& program, const NodeId& node) {
  const std::shared_ptr<NodeImpl> impl = FindAnyNode(program, node);
  return impl == nullptr ? std::vector<NodeId>{node} : IdsOfNodeAndInner(impl);
}

}  // namespace

Supervisor::Supervisor(Program program, ResolvedLaunchOptions options,
                       std::unique_ptr<SupervisorBackend> backend)
    : program_(std::move(program)),
      options_(std::move(options)),
      runtime_(NewRuntime(program_.name(), options_.launch_type, options_.courier_secret,
                          options_.transport, nullptr, NewLaunchIdentity())),
      backend_(std::move(backend)),
      state_(std::make_shared<State>()),
      status_(std::make_shared<StatusBoard>(InitialStatus(program_, options_, *runtime_))) {}

Supervisor::~Supervisor() {
  Stop();
  (void)Wait();
  // Served until here, so that a program's end can be seen (and tested) before it goes.
  status_server_.reset();
  if (IsTestLaunchType(options_.launch_type)) UnregisterTestLaunch(this);
}

absl::Status Supervisor::Start() {
  // Before join_mu_: the end-of-test hook takes the registry's lock, then joins.
  if (IsTestLaunchType(options_.launch_type)) RegisterTestLaunch(this);
  std::lock_guard join_lock(join_mu_);
  // The supervisor learns of every stop, whoever asked for it, through a stop handler. It
  // captures shared state only: it may run while this supervisor is being destroyed.
  runtime_->stop->Register([state = state_] {
    std::lock_guard lock(state->mu);
    state->stop_requested = true;
    state->changed.notify_all();
  });
  if (backend_->RunsNodesAsThreads()) {
    // Process launches hear the stop's reason from their coordinator (WatchCoordinator).
    runtime_->stop->Register([status = status_] {
      status->Stopping("the program was asked to stop (lp::Stop(), a signal or its controller)");
    });
  }
  if (options_.handle_signals) signal_subscription_ = StopProgramOnSignals(runtime_);

  absl::Status started;
  if (backend_->RunsNodesAsThreads()) {
    // Threads start at once; the server reads the address book the backend makes.
    started = backend_->Start(*this);
    if (started.ok()) started = StartStatusServer();
  } else {
    // Served from the first moment: starting hundreds of workers takes a while.
    started = StartStatusServer();
    if (started.ok() && options_.show_progress) {
      progress_ = std::make_unique<ProgressLine>(*status_, program_.name(), stderr);
    }
    if (started.ok()) started = backend_->Start(*this);
  }
  bool nothing_runs = false;
  {
    std::lock_guard lock(state_->mu);
    state_->started = true;
    if (!started.ok()) state_->outcome.RecordLaunchError(started);
    nothing_runs = state_->running.empty();
    state_->changed.notify_all();
  }
  // Units that all ended before this point could not stop the program themselves.
  if (!started.ok() || nothing_runs) runtime_->stop->RequestStop();
  supervisor_ = std::thread([this] { Supervise(); });
  return started;
}

absl::Status Supervisor::StartStatusServer() {
  if (options_.status_port < 0) return absl::OkStatus();
  status_source_ = std::make_unique<LaunchStatus>(*this);
  absl::StatusOr<std::unique_ptr<StatusServer>> server =
      StatusServer::Start(options_.status_host, options_.status_port, status_source_.get());
  if (!server.ok()) return server.status();
  status_server_ = *std::move(server);
  std::cout.flush();
  std::fprintf(stderr, "lp: status of program '%s': %s\n", program_.name().c_str(),
               status_server_->url().c_str());
  std::fflush(stderr);
  return absl::OkStatus();
}

std::string Supervisor::StatusUrl() const {
  return status_server_ == nullptr ? "" : status_server_->url();
}

std::vector<std::string> Supervisor::LastOutputLines(const NodeId& node, size_t count) {
  std::vector<std::string> lines = backend_->LastOutputLines(node);
  if (lines.size() > count) lines.erase(lines.begin(), lines.end() - count);
  return lines;
}

void Supervisor::WatchCoordinator(CoordinatorHooks& hooks) {
  std::shared_ptr<StatusBoard> status = status_;
  hooks.on_register = [status](const NodeRegistration& registration) {
    status->Registered(registration.node, registration.pid, registration.hostname);
  };
  hooks.on_watch = [status](const NodeId& node, bool program_started) {
    status->Watching(node, program_started);
  };
  hooks.on_publish = [status](const NodeId& node, const std::string& endpoint,
                              const std::string& address) {
    if (endpoint == kCourierEndpoint) status->Published(node, address);
  };
  hooks.on_stop = [status, then = std::move(hooks.on_stop)](const std::string& reason) {
    status->Stopping(reason);
    if (then) then(reason);
  };
  hooks.on_exit_report = [status, then = std::move(hooks.on_exit_report)](
                             const ExitReport& report) {
    // Inner nodes' too: their colocation judges them, but the page shows them.
    status->Ended(report.node, report.failed() ? NodeState::kFailed : NodeState::kExited,
                  report.failed() ? report.message : "it returned");
    if (then) then(report);
  };
}

void Supervisor::UseCoordinator(std::shared_ptr<CoordinatorServer> coordinator) {
  coordinator_ = coordinator;
  runtime_->stop->Register([coordinator = std::move(coordinator)] {
    coordinator->RequestStop("the program was asked to stop");
  });
}

void Supervisor::UnitStarted(const std::string& unit, std::vector<NodeId> nodes) {
  if (backend_->RunsNodesAsThreads()) {
    // A thread runs at once, and with it a colocation's inner threads.
    std::vector<NodeId> running;
    for (const NodeId& node : nodes) {
      for (NodeId& id : NodeAndInner(program_, node)) {
        running.push_back(std::move(id));
      }
    }
    status_->Started(running, /*running=*/true);
  } else {
    status_->Started(nodes, /*running=*/false);
  }
  std::lock_guard lock(state_->mu);
  state_->running.emplace_back(unit, std::move(nodes));
  state_->changed.notify_all();
}

void Supervisor::UnitEnded(const std::string& unit) {
  bool last = false;
  {
    std::lock_guard lock(state_->mu);
    auto it = std::find_if(state_->running.begin(), state_->running.end(),
                           [&](const auto& running) { return running.first == unit; });
    if (it != state_->running.end()) {
      for (const NodeId& node : it->second) {
        state_->gone.insert(node.ToString());
        // A process takes its inner nodes with it.
        for (const NodeId& id : NodeAndInner(program_, node)) {
          status_->Gone(id, state_->killing,
                        state_->killing ? "killed after the termination notice" : "it ended");
        }
      }
      state_->running.erase(it);
    }
    last = state_->running.empty() && state_->started;
    state_->changed.notify_all();
  }
  if (last) {
    status_->Stopping("every node ended");
    runtime_->stop->RequestStop();
  }
}

bool Supervisor::Record(State& state, StatusBoard& board, const NodeId& node,
                        const NodeOutcome& outcome, bool stopping) {
  bool fails = false;
  {
    std::lock_guard lock(state.mu);
    fails = state.outcome.RecordNodeEnd(node, outcome, stopping);
    state.changed.notify_all();
  }
  const bool failed = fails || outcome.kind == NodeOutcome::Kind::kFailed;
  board.Ended(node, failed ? NodeState::kFailed : NodeState::kExited,
              outcome.returned() ? "it returned" : outcome.Describe());
  if (fails) board.Stopping(absl::StrCat("node ", node.ToString(), " failed"));
  return fails;
}

void Supervisor::RecordNodeEnd(const NodeId& node, const NodeOutcome& outcome) {
  // The stop event is set before any stop handler runs, so a call that the stop
  // cancelled is never judged before the stop is visible here.
  if (Record(*state_, *status_, node, outcome, Stopping())) runtime_->stop->RequestStop();
}

std::function<void(const NodeId&, const NodeOutcome&)> Supervisor::NodeEndRecorder() const {
  return [state = state_, status = status_, stop = runtime_->stop](const NodeId& node,
                                                                    const NodeOutcome& outcome) {
    if (Record(*state, *status, node, outcome, stop->IsStopping())) stop->RequestStop();
  };
}

bool Supervisor::MarkNodeGone(const NodeId& node) {
  std::lock_guard lock(state_->mu);
  const bool inserted = state_->gone.insert(node.ToString()).second;
  state_->changed.notify_all();
  return inserted;
}

void Supervisor::RecordLateLaunchError(absl::Status error) {
  std::lock_guard lock(state_->mu);
  if (!state_->outcome.HasNodeFailure()) state_->outcome.RecordLaunchError(std::move(error));
}

bool Supervisor::Stopping() const {
  return runtime_->stop->IsStopping() ||
         (coordinator_ != nullptr && coordinator_->stop().stopping());
}

bool Supervisor::Killing() const {
  std::lock_guard lock(state_->mu);
  return state_->killing;
}

bool Supervisor::WaitForStopOrEnd(absl::Duration timeout) {
  std::unique_lock lock(state_->mu);
  return WaitUntil(state_->changed, lock, absl::Now() + timeout, [this] {
    return state_->stop_requested || (state_->started && state_->running.empty());
  });
}

void Supervisor::AnnounceNodeEnded(const NodeId& node, const std::string& how) {
  if (Stopping()) return;
  const std::shared_ptr<NodeImpl> impl = FindAnyNode(program_, node);
  // A process takes its inner nodes with it; a colocation's threads may outlive it.
  const std::vector<NodeId> ended =
      backend_->RunsNodesAsThreads() && impl->MayLeaveInnerNodesRunning()
          ? std::vector<NodeId>{node}
          : IdsOfNodeAndInner(impl);
  if (coordinator_ != nullptr) coordinator_->AnnounceNodesEnded(ended, how);
  FailCallsToEndedNodes(*runtime_, ended, how);
}

void Supervisor::Supervise() {
  State& state = *state_;
  std::unique_lock lock(state.mu);
  if (!TerminationNoticeRanOut(
          state.changed, lock, options_.termination_notice,
          [&] { return state.stop_requested; }, [&] { return state.running.empty(); })) {
    return;
  }
  if (backend_->RunsNodesAsThreads()) ExitWithStragglers();
  KillStragglers(lock);
}

void Supervisor::KillStragglers(std::unique_lock<std::mutex>& lock) {
  State& state = *state_;
  state.killing = true;
  std::set<std::string> units;
  std::set<std::string> groups;
  std::vector<std::string> nodes;
  for (const auto& [unit, unit_nodes] : state.running) {
    units.insert(unit);
    for (const NodeId& node : unit_nodes) {
      if (state.gone.contains(node.ToString())) continue;
      groups.insert(node.group);
      nodes.push_back(node.ToString());
    }
  }
  if (!nodes.empty()) {
    state.outcome.RecordStragglers(
        StragglersKilled(program_.name(), groups, nodes, options_.termination_notice));
  }
  lock.unlock();
  backend_->Kill(units);
}

void Supervisor::ExitWithStragglers() {
  std::set<std::string> groups;
  std::vector<std::string> nodes;
  for (const auto& [unit, unit_nodes] : state_->running) {
    for (const NodeId& node : unit_nodes) {
      groups.insert(node.group);
      nodes.push_back(node.ToString());
    }
  }
  const std::string message = absl::StrCat(
      "lp: program '", program_.name(), "': groups [", absl::StrJoin(groups, ", "),
      "] did not stop within ", FormatNotice(options_.termination_notice),
      " of the stop request (still running: ", absl::StrJoin(nodes, ", "),
      "). Node threads cannot be killed, so the process exits now with code ",
      kExitStragglers, ". Make these nodes return once lp::WaitForStop() or their stop "
      "handler fires, or raise --lp_termination_notice_secs.");
  if (IsTestLaunchType(options_.launch_type)) ReportTestFailure(message);
  std::cout.flush();
  std::fprintf(stderr, "%s\n", message.c_str());
  std::fflush(nullptr);
  _exit(kExitStragglers);
}

absl::Status Supervisor::Wait() {
  // Waiting on the condition variable before joining keeps this thread interruptible by
  // signals under ThreadSanitizer, which defers signal handlers during pthread_join; the
  // second Ctrl+C must work whatever the main thread is doing.
  WaitFor(absl::InfiniteDuration());
  std::lock_guard join_lock(join_mu_);  // the backend's state stays until this returns
  if (!joined_) {
    joined_ = true;
    backend_->Join();
    if (supervisor_.joinable()) supervisor_.join();
    if (signal_subscription_ != 0) SignalWatcher::Unsubscribe(signal_subscription_);
    if (coordinator_ != nullptr) {
      coordinator_->RequestStop("the program ended");
      coordinator_->Shutdown(absl::Now() + absl::Seconds(1));
    }
    status_->ProgramEnded();
    progress_.reset();
  }
  absl::Status outcome;
  bool node_failed = false;
  {
    std::lock_guard lock(state_->mu);
    node_failed = state_->outcome.HasNodeFailure() && !state_->outcome.HasLaunchError();
    // Every output line has arrived: the units have ended.
    outcome = state_->outcome.Final([this](const NodeId& node, const std::string& cause) {
      return backend_->DescribeFailure(node, cause);
    });
  }
  if (options_.show_progress && !summary_printed_) {
    summary_printed_ = true;
    std::cout.flush();
    std::fputs(ExitSummary(status_->Snapshot(), absl::Now()).c_str(), stderr);
    std::fflush(stderr);
  }
  if (node_failed && IsTestLaunchType(options_.launch_type) && !failure_reported_) {
    failure_reported_ = true;
    ReportTestFailure(absl::StrCat("program '", program_.name(), "': ", outcome.message()));
  }
  return outcome;
}

bool Supervisor::WaitFor(absl::Duration timeout) {
  std::unique_lock lock(state_->mu);
  return WaitUntil(state_->changed, lock, absl::Now() + timeout,
                   [this] { return state_->started && state_->running.empty(); });
}

void Supervisor::Stop() { runtime_->stop->RequestStop(); }

}  // namespace lp::internal
