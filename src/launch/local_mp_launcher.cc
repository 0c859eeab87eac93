#include "src/launch/local_mp_launcher.h"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lp/launch.h"
#include "src/coordinator/env.h"
#include "lp/internal/deadline_wait.h"
#include "lp/internal/program_nodes.h"
#include "src/core/current_runtime.h"
#include "src/core/signal_watcher.h"
#include "src/core/stop_state.h"
#include "src/core/test_hooks.h"
#include "src/launch/coordinator_session.h"
#include "src/launch/program_runtime.h"
#include "src/launch/termination_notice.h"
#include "src/launch/topology.h"
#include "src/launch/worker_assignment.h"
#include "src/launch/worker_command.h"
#include "src/terminal/terminal_kind.h"

namespace lp::internal {

LocalMpLauncher::LocalMpLauncher(Program program, ResolvedLaunchOptions options)
    : program_(std::move(program)),
      options_(std::move(options)),
      top_level_(TopLevelNodeNames(program_)),
      state_(std::make_shared<State>()),
      runtime_(NewRuntime(program_.name(), options_.launch_type, options_.courier_secret,
                          nullptr)) {}

LocalMpLauncher::~LocalMpLauncher() {
  Stop();
  (void)Wait();
  if (IsTestLaunchType(options_.launch_type)) UnregisterTestLaunch(this);
}

absl::Status LocalMpLauncher::Start() {
  if (IsTestLaunchType(options_.launch_type)) RegisterTestLaunch(this);
  std::lock_guard join_lock(join_mu_);
  absl::Status started = StartWorkers();
  {
    std::lock_guard lock(state_->mu);
    state_->started = true;
    if (!started.ok()) state_->outcome.RecordLaunchError(started);
    state_->changed.notify_all();
  }
  if (!started.ok()) runtime_->stop->RequestStop();
  supervisor_ = std::thread([this] { Supervise(); });
  return started;
}

absl::Status LocalMpLauncher::StartWorkers() {
  absl::StatusOr<TerminalKind> kind = ParseTerminalKind(options_.terminal);
  if (!kind.ok()) return kind.status();
  absl::StatusOr<std::unique_ptr<Terminal>> terminal =
      MakeTerminal(*kind, {.program_name = program_.name(), .log_dir = options_.log_dir});
  if (!terminal.ok()) return terminal.status();
  terminal_ = *std::move(terminal);

  CoordinatorHooks hooks;
  // A failing worker reports before it exits (a CourierNode before its server shuts
  // down): recorded at once, so that it precedes the failures of the calls it breaks. The
  // hooks run on gRPC threads until Wait() shuts the coordinator down, before this
  // launcher is destroyed.
  hooks.on_exit_report = [this](const ExitReport& report) {
    if (report.failed() && top_level_.contains(report.node.ToString())) {
      RecordNodeEnd(report.node, OutcomeOf(report));
    }
  };
  absl::StatusOr<CoordinatorSession> session = StartCoordinatorSession(
      program_, options_, runtime_, {.bind_address = "127.0.0.1:0", .hooks = std::move(hooks)});
  if (!session.ok()) return session.status();
  coordinator_ = session->server;
  runtime_->stop->Register([state = state_, coordinator = coordinator_] {
    coordinator->RequestStop("the program was asked to stop");
    std::lock_guard lock(state->mu);
    state->stop_requested = true;
    state->changed.notify_all();
  });
  if (options_.handle_signals) {
    signal_subscription_ = StopProgramOnSignals(runtime_);
  }
  if (const std::string banner = terminal_->Banner(); !banner.empty()) {
    std::cout << banner << (banner.back() == '\n' ? "" : "\n") << std::flush;
  }

  absl::StatusOr<std::vector<std::string>> base_argv = OwnCommandLine();
  if (!base_argv.ok()) return base_argv.status();
  if (IsTestLaunchType(options_.launch_type)) *base_argv = AdjustTestWorkerArgv(*base_argv);
  std::vector<std::pair<std::string, std::string>> worker_env = session->worker_env;
  worker_env.emplace_back(kCoordinatorAddressEnv,
                          absl::StrCat("127.0.0.1:", coordinator_->port()));
  for (const NodeId& id : TopLevelNodes(program_)) {
    auto config = options_.local_resources.find(id.group);
    std::vector<std::pair<std::string, std::string>> env = worker_env;
    env.emplace_back(kNodeEnv, id.ToString());
    SpawnSpec spec = MakeWorkerSpec(
        {.base_argv = *base_argv,
         .node = id,
         .config = config == options_.local_resources.end() ? nullptr : &config->second,
         .worker_env = std::move(env)});
    absl::StatusOr<std::unique_ptr<NodeProcess>> process =
        terminal_->Launch(id.ToString(), std::move(spec));
    if (!process.ok()) {
      return absl::Status(process.status().code(),
                          absl::StrCat("cannot start node ", id.ToString(), ": ",
                                       process.status().message()));
    }
    {
      std::lock_guard lock(state_->mu);
      state_->running.insert(id.ToString());
    }
    NodeProcess* raw = process->get();
    processes_.emplace_back(id, *std::move(process));
    watchers_.emplace_back([this, id, raw] { WatchWorker(id, raw); });
  }
  return absl::OkStatus();
}

void LocalMpLauncher::WatchWorker(const NodeId& id, NodeProcess* process) {
  const absl::StatusOr<ExitInfo> exit = process->WaitForExit(absl::InfiniteFuture());
  const std::string key = id.ToString();
  bool killed = false;
  {
    std::lock_guard lock(state_->mu);
    // A straggler we killed is reported as such by the supervisor, not as a failure.
    killed = state_->killed.contains(key);
  }
  if (!killed) {
    NodeOutcome outcome;
    if (!exit.ok() || !exit->success()) {
      const std::string how = exit.ok() ? exit->ToString() : std::string(exit.status().message());
      {
        std::lock_guard lock(state_->mu);
        state_->exits[key] = how;
      }
      // The worker's own account (an exception's message) says more than an exit code.
      std::optional<ExitReport> report = coordinator_->nodes().ExitReportOf(id);
      outcome = report.has_value() && report->failed() && !report->message.empty()
                    ? OutcomeOf(*report)
                    : NodeOutcome{NodeOutcome::Kind::kFailed, how};
    }
    RecordNodeEnd(id, outcome);
    if (!Stopping()) {
      AnnounceNodeEnded(*coordinator_, *runtime_, program_, id,
                        exit.ok() ? exit->ToString() : outcome.Describe());
    }
  }
  bool last = false;
  {
    std::lock_guard lock(state_->mu);
    state_->running.erase(key);
    last = state_->running.empty() && state_->started;
    state_->changed.notify_all();
  }
  if (last) runtime_->stop->RequestStop();
}

bool LocalMpLauncher::Stopping() const {
  // The coordinator hears a node's lp::Stop() before the launcher's stop event is set.
  return runtime_->stop->IsStopping() || (coordinator_ != nullptr && coordinator_->stop().stopping());
}

void LocalMpLauncher::RecordNodeEnd(const NodeId& id, const NodeOutcome& outcome) {
  bool fails = false;
  {
    std::lock_guard lock(state_->mu);
    fails = state_->outcome.RecordNodeEnd(id, outcome, Stopping());
    state_->changed.notify_all();
  }
  if (fails) runtime_->stop->RequestStop();
}

std::string LocalMpLauncher::DescribeFailure(const NodeId& id, const std::string& cause) {
  std::string text = absl::StrCat("node ", id.ToString(), " failed: ", cause);
  // Called with state_->mu held.
  if (auto exit = state_->exits.find(id.ToString());
      exit != state_->exits.end() && exit->second != cause) {
    absl::StrAppend(&text, " (", exit->second, ")");
  }
  AppendLastOutput(text, id.ToString(), terminal_->LastLines(id.ToString()));
  return text;
}

void LocalMpLauncher::Supervise() {
  State& state = *state_;
  std::unique_lock lock(state.mu);
  if (!TerminationNoticeRanOut(
          state.changed, lock, options_.termination_notice,
          [&] { return state.stop_requested; }, [&] { return state.running.empty(); })) {
    return;
  }
  lock.unlock();
  KillStragglers();
}

void LocalMpLauncher::KillStragglers() {
  std::set<std::string> groups;
  std::vector<std::string> nodes;
  {
    std::lock_guard lock(state_->mu);
    for (const auto& [id, process] : processes_) {
      if (!state_->running.contains(id.ToString())) continue;
      state_->killed.insert(id.ToString());
      groups.insert(id.group);
      nodes.push_back(id.ToString());
    }
    if (nodes.empty()) return;
    state_->outcome.RecordStragglers(
        StragglersKilled(program_.name(), groups, nodes, options_.termination_notice));
  }
  // processes_ is not modified after Start(), and Wait() joins this thread before
  // destroying it.
  for (const auto& [id, process] : processes_) {
    if (std::find(nodes.begin(), nodes.end(), id.ToString()) != nodes.end()) {
      process->Kill(SIGKILL);
    }
  }
}

absl::Status LocalMpLauncher::Wait() {
  WaitFor(absl::InfiniteDuration());
  {
    std::lock_guard join_lock(join_mu_);
    if (!joined_) {
      joined_ = true;
      for (std::thread& watcher : watchers_) watcher.join();
      if (supervisor_.joinable()) supervisor_.join();
      if (signal_subscription_ != 0) SignalWatcher::Unsubscribe(signal_subscription_);
      if (coordinator_ != nullptr) {
        coordinator_->RequestStop("the program ended");
        coordinator_->Shutdown(absl::Now() + absl::Seconds(1));
      }
    }
  }
  std::lock_guard join_lock(join_mu_);  // processes_ and terminal_ stay until this returns
  absl::Status outcome;
  bool node_failed = false;
  {
    std::lock_guard lock(state_->mu);
    node_failed = state_->outcome.HasNodeFailure() && !state_->outcome.HasLaunchError();
    outcome = state_->outcome.Final([this](const NodeId& node, const std::string& cause) {
      return DescribeFailure(node, cause);  // every output line has arrived by now
    });
  }
  if (node_failed && IsTestLaunchType(options_.launch_type) && !failure_reported_) {
    failure_reported_ = true;
    ReportTestFailure(absl::StrCat("program '", program_.name(), "': ", outcome.message()));
  }
  return outcome;
}

bool LocalMpLauncher::WaitFor(absl::Duration timeout) {
  std::unique_lock lock(state_->mu);
  return WaitUntil(state_->changed, lock, absl::Now() + timeout,
                   [this] { return state_->started && state_->running.empty(); });
}

void LocalMpLauncher::Stop() { runtime_->stop->RequestStop(); }

}  // namespace lp::internal
