#include "src/launch/process_backend.h"

#include <signal.h>

#include <algorithm>
#include <iostream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/core/worker_environment.h"
#include "src/launch/coordinator_session.h"
#include "src/launch/termination_notice.h"
#include "src/launch/test_hooks.h"
#include "src/launch/topology.h"
#include "src/launch/python_node.h"
#include "src/launch/worker_command.h"
#include "src/terminal/terminal_kind.h"

namespace lp::internal {
namespace {

// How many workers are started together (WorkerStarter::Launch): a fork server forks them
// without waiting for the launcher in between, and they hold at most two descriptors each
// meanwhile (their output, their connection to the coordinator).
constexpr size_t kWorkersStartedTogether = 16;

}  // namespace

absl::Status ProcessBackend::Start(Supervisor& supervisor) {
  supervisor_ = &supervisor;
  Program& program = supervisor.program();
  const ResolvedLaunchOptions& options = supervisor.options();
  top_level_ = TopLevelNodeNames(program);
  absl::StatusOr<std::unique_ptr<Terminal>> terminal =
      MakeTerminal(options.terminal, {.program_name = program.name(),
                                      .log_dir = options.log_dir,
                                      .timestamps = options.log_timestamps});
  if (!terminal.ok()) return terminal.status();
  terminal_ = *std::move(terminal);
  terminal_ready_.store(terminal_.get(), std::memory_order_release);

  CoordinatorHooks hooks;
  // A failing worker reports before it exits (a CourierNode before its server shuts
  // down): recorded at once, so that it precedes the failures of the calls it breaks. The
  // hooks run on gRPC threads until the supervisor shuts the coordinator down, after
  // Join().
  hooks.on_exit_report = [this](const ExitReport& report) {
    if (!top_level_.contains(report.node.ToString())) return;
    if (report.failed()) {
      supervisor_->RecordNodeEnd(report.node, OutcomeOf(report));
    } else {
      // The node ended cleanly; what is left is the process's exit. That it is still
      // running when the notice runs out does not make the node a straggler: 1000
      // workers on 2 cores take longer than the default 10 s for the kernel to tear them
      // down, and 559 of the 816 killed at the notice had already reported (as under
      // slurm, see SrunBackend::OnExitReport). Such a process is still killed and reaped.
      supervisor_->MarkNodeGone(report.node);
    }
  };
  supervisor.WatchCoordinator(hooks);
  absl::StatusOr<CoordinatorSession> session =
      StartCoordinatorSession(program, options, supervisor.runtime(),
                              {.bind_address = "127.0.0.1:0", .hooks = std::move(hooks)});
  if (!session.ok()) return session.status();
  supervisor.UseCoordinator(session->server);
  starter_ = std::make_unique<WorkerStarter>(
      *terminal_, options.fork_server,
      [coordinator = std::weak_ptr<CoordinatorServer>(session->server)]()
          -> absl::StatusOr<UniqueFd> {
        std::shared_ptr<CoordinatorServer> server = coordinator.lock();
        if (server == nullptr) return absl::UnavailableError("the coordinator is gone");
        return server->ConnectLocalWorker();
      });
  if (const std::string banner = terminal_->Banner(); !banner.empty()) {
    std::cout << banner << (banner.back() == '\n' ? "" : "\n") << std::flush;
  }

  absl::StatusOr<std::vector<std::string>> base_argv = OwnCommandLine();
  if (!base_argv.ok()) return base_argv.status();
  if (IsTestLaunchType(options.launch_type)) *base_argv = AdjustTestWorkerArgv(*base_argv);
  std::vector<std::pair<std::string, std::string>> worker_env = session->worker_env;
  worker_env.emplace_back(kCoordinatorAddressEnv,
                          absl::StrCat("127.0.0.1:", session->server->port()));
  ends_thread_ = std::thread([this] { HandleEnds(); });
  const std::vector<NodeId> nodes = TopLevelNodes(program);
  for (size_t first = 0; first < nodes.size(); first += kWorkersStartedTogether) {
    const size_t end = std::min(nodes.size(), first + kWorkersStartedTogether);
    std::vector<WorkerStarter::Worker> workers;
    for (size_t i = first; i < end; ++i) {
      const NodeId& id = nodes[i];
      auto config = options.local_resources.find(id.group);
      const ProcessConfig* group_config =
          config == options.local_resources.end() ? nullptr : &config->second;
      std::vector<std::pair<std::string, std::string>> env = worker_env;
      env.emplace_back(kNodeEnv, id.ToString());
      workers.push_back({.node_key = id.ToString(),
                         .group = id.group,
                         .config = group_config,
                         .spec = MakeWorkerSpec({.base_argv = *base_argv,
                                                 .node = id,
                                                 .config = group_config,
                                                 .args_for_scripts_only =
                                                     AllPythonNodes(program, {id}),
                                                 .worker_env = std::move(env)})});
    }
    std::vector<absl::StatusOr<std::unique_ptr<NodeProcess>>> started =
        starter_->Launch(std::move(workers));
    for (size_t i = first; i < end; ++i) {
      const NodeId& id = nodes[i];
      absl::StatusOr<std::unique_ptr<NodeProcess>>& process = started[i - first];
      if (!process.ok()) {
        // (The workers started after it are killed as `started` goes, those before by
        // the destructor.)
        return absl::Status(process.status().code(),
                            absl::StrCat("cannot start node ", id.ToString(), ": ",
                                         process.status().message()));
      }
      supervisor.UnitStarted(id.ToString(), {id});
      NodeProcess* raw = process->get();
      processes_.emplace_back(id, *std::move(process));
      raw->NotifyWhenEnded([this, id, raw] {
        std::lock_guard lock(ends_mu_);
        ended_.emplace_back(id, raw);
        ends_changed_.notify_all();
      });
    }
  }
  return absl::OkStatus();
}

void ProcessBackend::HandleEnds() {
  std::unique_lock lock(ends_mu_);
  for (;;) {
    ends_changed_.wait(lock, [this] { return !ended_.empty() || joining_; });
    if (ended_.empty()) return;
    const auto [id, process] = ended_.front();
    ended_.pop_front();
    lock.unlock();
    WorkerEnded(id, *process);
    lock.lock();
  }
}

void ProcessBackend::WorkerEnded(const NodeId& id, NodeProcess& process) {
  // At once: the end is known.
  const absl::StatusOr<ExitInfo> exit = process.WaitForExit(absl::InfiniteFuture());
  if (exit.ok() && !supervisor_->Killing()) {
    // The page shows the code; how the node ended is recorded below (or was, by its own
    // exit report).
    supervisor_->status().Ended(id, exit->success() ? NodeState::kExited : NodeState::kFailed,
                                exit->ToString(),
                                exit->signaled() ? std::nullopt : std::optional(exit->exit_code));
  }
  // A straggler killed after the notice is reported as such, not as a failure.
  if (!supervisor_->Killing()) {
    NodeOutcome outcome;
    if (!exit.ok() || !exit->success()) {
      const std::string how = exit.ok() ? exit->ToString() : std::string(exit.status().message());
      {
        std::lock_guard lock(mu_);
        exits_[id.ToString()] = how;
      }
      // The worker's own account (an exception's message) says more than an exit code.
      std::optional<ExitReport> report = supervisor_->coordinator()->nodes().ExitReportOf(id);
      outcome = report.has_value() && report->failed() && !report->message.empty()
                    ? OutcomeOf(*report)
                    : NodeOutcome{NodeOutcome::Kind::kFailed, how};
    }
    supervisor_->RecordNodeEnd(id, outcome);
    supervisor_->AnnounceNodeEnded(id, exit.ok() ? exit->ToString() : outcome.Describe());
  }
  supervisor_->UnitEnded(id.ToString());
}

void ProcessBackend::Kill(const std::set<std::string>& units) {
  // All at once: one scan of /proc finds every straggler's tree (see KillProcessTrees).
  std::vector<NodeProcess*> stragglers;
  for (const auto& [id, process] : processes_) {
    if (units.contains(id.ToString())) stragglers.push_back(process.get());
  }
  KillNodeProcesses(stragglers, SIGKILL);
}

void ProcessBackend::Join() {
  {
    std::lock_guard lock(ends_mu_);
    joining_ = true;
    ends_changed_.notify_all();
  }
  if (ends_thread_.joinable()) ends_thread_.join();
  // Every worker was waited for: the fork servers have nothing more to do.
  if (starter_ != nullptr) starter_->StopServers();
}

std::vector<std::string> ProcessBackend::LastOutputLines(const NodeId& node) {
  Terminal* terminal = terminal_ready_.load(std::memory_order_acquire);
  if (terminal == nullptr) return {};
  return terminal->RecentLines(node.ToString());
}

std::string ProcessBackend::DescribeFailure(const NodeId& id, const std::string& cause) {
  std::string text = absl::StrCat("node ", id.ToString(), " failed: ", cause);
  {
    std::lock_guard lock(mu_);
    if (auto exit = exits_.find(id.ToString()); exit != exits_.end() && exit->second != cause) {
      absl::StrAppend(&text, " (", exit->second, ")");
    }
  }
  AppendLastOutput(text, id.ToString(), terminal_->LastLines(id.ToString()));
  return text;
}

}  // namespace lp::internal
