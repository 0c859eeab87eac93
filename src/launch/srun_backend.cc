#include "src/launch/srun_backend.h"

#include <signal.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "lp/internal/deadline_wait.h"
#include "src/core/stop_state.h"
#include "src/core/worker_environment.h"
#include "src/launch/coordinator_session.h"
#include "src/launch/termination_notice.h"
#include "src/launch/topology.h"
#include "src/launch/worker.h"
#include "src/launch/python_node.h"
#include "src/launch/worker_command.h"
#include "src/net/host_port.h"
#include "src/slurm/slurm_client.h"
#include "src/terminal/terminal_kind.h"

namespace lp::internal {
namespace {

// How often the coordinator pings workers, and how long an unanswered ping may take: a
// worker behind a cut network is named within about their sum.
constexpr absl::Duration kKeepaliveInterval = absl::Seconds(3);
constexpr absl::Duration kKeepaliveTimeout = absl::Seconds(5);
// How often the queue is looked at while jobs wait for resources.
constexpr absl::Duration kQueuePollInterval = absl::Seconds(1);
// After the stragglers' srun was told to end (and their jobs cancelled): how long the
// srun gets before it is killed. It waits for slurmd to confirm the tasks are gone, which
// takes a moment, or forever when a host is unreachable.
constexpr absl::Duration kSrunEndGrace = absl::Seconds(15);

// What a pending job's reason means for the user, for the common ones.
std::string ExplainPendingReason(const std::string& reason) {
  if (reason == "Resources") {
    return "the cluster has not enough free CPUs, memory or GPUs for what the group asks";
  }
  if (reason == "Priority") return "other jobs come first";
  if (absl::StartsWith(reason, "PartitionNodeLimit") ||
      absl::StartsWith(reason, "PartitionConfig")) {
    return "the group asks for more than its partition allows";
  }
  if (absl::StartsWith(reason, "ReqNodeNotAvail") || reason == "NodeDown") {
    return "the nodes the job needs are down or drained";
  }
  if (reason == "BadConstraints") return "no node has the features or resources asked for";
  return "see 'Job Reason Codes' in Slurm's squeue documentation";
}

// Eight hex digits that tell this launch's jobs apart from every other's.
std::string LaunchTag() {
  std::random_device random;
  return absl::StrFormat("%08x", random());
}

}  // namespace

SrunBackend::SrunBackend() : allocation_(CurrentAllocation()) {}

absl::Status SrunBackend::Start(Supervisor& supervisor) {
  supervisor_ = &supervisor;
  options_ = &supervisor.options();
  const Program& program = supervisor.program();
  top_level_ = TopLevelNodeNames(program);
  const std::string tag = LaunchTag();
  for (const NodeId& id : TopLevelNodes(program)) {
    if (groups_.empty() || groups_.back().label != id.group) {
      groups_.push_back(
          {.label = id.group, .job_name = SlurmJobName(program.name(), id.group, tag)});
    }
    groups_.back().nodes.push_back(id);
  }
  const absl::Status started = StartGroups();
  if (!options_->slurm_dry_run) queue_watcher_ = std::thread([this] { WatchQueue(); });
  return started;
}

SpawnSpec SrunBackend::SrunCommand(
    const Group& group, const std::vector<std::string>& base_argv,
    std::vector<std::pair<std::string, std::string>> worker_env) const {
  auto config = options_->slurm_resources.find(group.label);
  const SlurmConfig* slurm = config == options_->slurm_resources.end() ? nullptr : &config->second;
  // srun is the worker command's wrapper; the group's args and env are the worker's.
  ProcessConfig process{.wrapper = SrunArguments({.job_name = group.job_name,
                                                  .ntasks = static_cast<int>(group.nodes.size()),
                                                  .config = slurm,
                                                  .allocation = allocation_})};
  if (slurm != nullptr) {
    process.args = slurm->args;
    process.env = slurm->env;
  }
  worker_env.emplace_back(kNodeGroupEnv, group.label);
  return MakeWorkerSpec({.base_argv = base_argv,
                         .node = group.nodes.front(),
                         .config = &process,
                         .args_for_scripts_only = AllPythonNodes(supervisor_->program(), group.nodes),
                         .worker_env = std::move(worker_env)});
}

std::pair<std::string, std::string> SrunBackend::CoordinatorLocation(
    const std::string& port) const {
  // Without a host, each task finds the launcher at SLURM_LAUNCH_NODE_IPADDR: the address
  // Slurm knows the submitting machine by, which its compute nodes can reach.
  if (options_->coordinator_host.empty()) return {kCoordinatorPortEnv, port};
  return {kCoordinatorAddressEnv, JoinHostPort(options_->coordinator_host, port)};
}

std::vector<std::string> SrunBackend::JobNames() const {
  std::vector<std::string> names;
  for (const Group& group : groups_) names.push_back(group.job_name);
  return names;
}

void SrunBackend::PrintDryRun() {
  absl::StatusOr<std::vector<std::string>> base_argv = OwnCommandLine();
  if (base_argv.ok()) {
    // What would run is the launch itself, not its dry run.
    std::erase_if(*base_argv, [](const std::string& arg) {
      return arg == "--lp_slurm_dry_run" || arg == "--lp_slurm_dry_run=true" ||
             arg == "--lp_slurm_dry_run=1";
    });
  }
  std::cout << "lp: dry run of program '" << supervisor_->program().name() << "' on Slurm"
            << (allocation_.has_value() ? absl::StrCat(" (steps of allocation ",
                                                       allocation_->job_id, ")")
                                        : std::string(" (one job per group)"))
            << ": these commands would start it (<...> is filled in at launch):\n";
  std::vector<std::pair<std::string, std::string>> worker_env =
      WorkerEnvironment("<secret>", "<courier-secret>", "<fingerprint>", *options_, {});
  // Every launch gets an identity of its own: this dry run's is not the launch's.
  for (auto& [name, value] : worker_env) {
    if (name == kLaunchIdEnv) value = "<launch-id>";
    if (name == kLaunchStartEnv) value = "<launch-start-us>";
  }
  worker_env.push_back(CoordinatorLocation("<port>"));
  for (const Group& group : groups_) {
    const SpawnSpec spec =
        SrunCommand(group, base_argv.ok() ? *base_argv : std::vector<std::string>{}, worker_env);
    std::cout << "# group " << group.label << ": " << group.nodes.size() << " node"
              << (group.nodes.size() == 1 ? "" : "s") << "\n"
              << ShellCommand(spec.env_overrides, spec.argv) << "\n";
  }
  std::cout << std::flush;
}

absl::Status SrunBackend::StartGroups() {
  if (options_->slurm_dry_run) {
    PrintDryRun();
    return absl::OkStatus();
  }
  if (absl::Status client = CheckSlurmClient(); !client.ok()) return client;
  // A partition that does not exist: say so before anything is queued.
  std::set<std::string> wanted;
  for (const auto& [label, config] : options_->slurm_resources) {
    if (!config.partition.empty()) wanted.insert(config.partition);
  }
  if (!wanted.empty()) {
    absl::StatusOr<std::vector<std::string>> partitions = SlurmPartitions();
    if (!partitions.ok()) return partitions.status();
    for (const auto& [label, config] : options_->slurm_resources) {
      if (config.partition.empty() ||
          std::find(partitions->begin(), partitions->end(), config.partition) !=
              partitions->end()) {
        continue;
      }
      return absl::InvalidArgumentError(absl::StrCat(
          "slurm_resources of group '", label, "' asks for partition '", config.partition,
          "', which this cluster does not have; its partitions are: ",
          absl::StrJoin(*partitions, ", "), " (sinfo lists them)"));
    }
  }

  absl::StatusOr<std::unique_ptr<Terminal>> terminal =
      MakeTerminal(options_->terminal, {.program_name = supervisor_->program().name(),
                                        .log_dir = options_->log_dir,
                                        .timestamps = options_->log_timestamps,
                                        .srun_tasks = true});
  if (!terminal.ok()) return terminal.status();
  terminal_ = *std::move(terminal);
  terminal_ready_.store(terminal_.get(), std::memory_order_release);

  CoordinatorHooks hooks;
  // The hooks run on gRPC threads until the supervisor shuts the coordinator down, after
  // Join().
  hooks.on_exit_report = [this](const ExitReport& report) { OnExitReport(report); };
  hooks.on_watch_lost = [this](const NodeId& node) { OnWatchLost(node); };
  supervisor_->WatchCoordinator(hooks);
  absl::StatusOr<CoordinatorSession> session =
      StartCoordinatorSession(supervisor_->program(), *options_, supervisor_->runtime(),
                              {.bind_address = "0.0.0.0:0",
                               .keepalive_interval = kKeepaliveInterval,
                               .keepalive_timeout = kKeepaliveTimeout,
                               .hooks = std::move(hooks)});
  if (!session.ok()) return session.status();
  supervisor_->UseCoordinator(session->server);
  if (const std::string banner = terminal_->Banner(); !banner.empty()) {
    std::cout << banner << (banner.back() == '\n' ? "" : "\n") << std::flush;
  }

  absl::StatusOr<std::vector<std::string>> base_argv = OwnCommandLine();
  if (!base_argv.ok()) return base_argv.status();
  std::vector<std::pair<std::string, std::string>> worker_env = session->worker_env;
  worker_env.push_back(CoordinatorLocation(std::to_string(session->server->port())));
  for (Group& group : groups_) {
    SpawnSpec spec = SrunCommand(group, *base_argv, worker_env);
    absl::StatusOr<std::unique_ptr<NodeProcess>> srun =
        terminal_->Launch(group.label, std::move(spec));
    if (!srun.ok()) {
      return absl::Status(srun.status().code(),
                          absl::StrCat("cannot start the srun of group ", group.label, ": ",
                                       srun.status().message()));
    }
    group.srun = *std::move(srun);
    supervisor_->UnitStarted(group.label, group.nodes);
    watchers_.emplace_back([this, &group] { WatchGroup(&group); });
  }
  return absl::OkStatus();
}

std::string SrunBackend::HostOf(const NodeId& node) const {
  const std::shared_ptr<CoordinatorServer>& coordinator = supervisor_->coordinator();
  if (coordinator == nullptr) return "";
  std::optional<NodeRegistration> registration = coordinator->nodes().Registration(node);
  return registration.has_value() ? registration->hostname : "";
}

void SrunBackend::RecordNodeEnd(const NodeId& node, const NodeOutcome& outcome) {
  supervisor_->MarkNodeGone(node);
  supervisor_->RecordNodeEnd(node, outcome);
}

void SrunBackend::OnExitReport(const ExitReport& report) {
  // An inner node of a colocation is its colocation's to judge (it may restart it).
  if (!top_level_.contains(report.node.ToString())) return;
  // A straggler's own backstop fired while we kill it: reported as a straggler.
  if (supervisor_->Killing() && report.exit_code == kWorkerStraggled) {
    supervisor_->MarkNodeGone(report.node);
    return;
  }
  const NodeOutcome outcome = OutcomeOf(report);
  RecordNodeEnd(report.node, outcome);
  supervisor_->AnnounceNodeEnded(report.node, outcome.Describe());
}

void SrunBackend::OnWatchLost(const NodeId& node) {
  // A worker ends its stream by exiting, after its report: nothing to say then. An inner
  // node's process is its colocation's to watch (it may restart it).
  if (!top_level_.contains(node.ToString())) return;
  if (supervisor_->coordinator()->nodes().ExitReportOf(node).has_value()) return;
  const std::string host = HostOf(node);
  RecordNodeEnd(node, {NodeOutcome::Kind::kFailed,
                       absl::StrCat("lost contact with the launcher: its task died without a "
                                    "word, or its host",
                                    host.empty() ? "" : absl::StrCat(" (", host, ")"),
                                    " became unreachable")});
}

void SrunBackend::WatchGroup(Group* group) {
  const absl::StatusOr<ExitInfo> exit = group->srun->WaitForExit(absl::InfiniteFuture());
  const bool ok = exit.ok() && exit->success();
  const std::string how = exit.ok() ? exit->ToString() : std::string(exit.status().message());
  bool any_registered = false;
  std::optional<NodeId> unreported;
  for (const NodeId& id : group->nodes) {
    if (supervisor_->coordinator()->nodes().Registration(id).has_value()) any_registered = true;
    if (supervisor_->MarkNodeGone(id) && !unreported.has_value()) unreported = id;
  }
  const bool killing = supervisor_->Killing();
  if (!ok && !killing && unreported.has_value()) {
    if (!any_registered) {
      // srun itself failed: bad options, the job was refused or cancelled.
      std::string text = absl::StrCat("the Slurm job of group ", group->label,
                                      " did not start its tasks: srun ", how);
      for (const std::string& line : terminal_->LastLines(group->label)) {
        absl::StrAppend(&text, "\n  ", line);
      }
      supervisor_->RecordLateLaunchError(absl::UnavailableError(text));
    } else {
      supervisor_->RecordNodeEnd(
          *unreported,
          {NodeOutcome::Kind::kFailed, absl::StrCat("its task ended without reporting (srun ",
                                                    how, ")")});
    }
  }
  supervisor_->UnitEnded(group->label);
  if (!ok) supervisor_->runtime()->stop->RequestStop();
}

std::vector<std::string> SrunBackend::JobIds() {
  absl::StatusOr<std::vector<SlurmJob>> jobs =
      FindSlurmJobs(JobNames(), allocation_.has_value() ? allocation_->job_id : "");
  std::vector<std::string> ids;
  if (!jobs.ok()) {
    std::fprintf(stderr, "lp: cannot list the program's Slurm jobs: %s\n",
                 std::string(jobs.status().message()).c_str());
    return ids;
  }
  for (const SlurmJob& job : *jobs) ids.push_back(job.id);
  return ids;
}

void SrunBackend::WatchQueue() {
  // Steps inside an allocation are not queued: nothing to watch.
  if (allocation_.has_value()) return;
  const std::vector<std::string> names = JobNames();
  std::map<std::string, absl::Time> pending_since;  // by job id
  std::map<std::string, std::string> told;          // the reason last printed, by job id
  const absl::Time start = absl::Now();
  while (!supervisor_->WaitForStopOrEnd(kQueuePollInterval)) {
    bool all_registered = true;
    for (const Group& group : groups_) {
      for (const NodeId& id : group.nodes) {
        if (!supervisor_->coordinator()->nodes().Registration(id).has_value()) {
          all_registered = false;
        }
      }
    }
    if (all_registered) return;
    absl::StatusOr<std::vector<SlurmJob>> jobs = FindSlurmJobs(names);
    if (!jobs.ok()) continue;
    for (const SlurmJob& job : *jobs) {
      if (job.state != "PENDING") continue;
      pending_since.emplace(job.id, start);
      std::string group = job.name;
      for (const Group& candidate : groups_) {
        if (candidate.job_name == job.name) group = candidate.label;
      }
      if (told[job.id] != job.reason) {
        told[job.id] = job.reason;
        std::fprintf(stderr, "lp: the Slurm job %s of group %s is pending: %s\n",
                     job.id.c_str(), group.c_str(), job.reason.c_str());
      }
      const absl::Duration waited = absl::Now() - pending_since[job.id];
      if (waited < options_->slurm_pending_timeout) continue;
      supervisor_->RecordLateLaunchError(absl::UnavailableError(absl::StrCat(
          "the Slurm job ", job.id, " of group ", group, " stayed pending for ",
          absl::FormatDuration(absl::Trunc(waited, absl::Seconds(1))),
          " (--lp_slurm_pending_timeout=", absl::FormatDuration(options_->slurm_pending_timeout),
          "); Slurm's reason: ", job.reason, " (", ExplainPendingReason(job.reason),
          "). Ask for less (slurm_resources), or allow a longer wait")));
      (void)CancelSlurmJobs({job.id});
      supervisor_->runtime()->stop->RequestStop();
      return;
    }
  }
}

void SrunBackend::Kill(const std::set<std::string>& units) {
  // An srun told to end cancels its step, which kills every task (with its process tree:
  // Slurm tracks them). scancel as well, for an srun that cannot reach a host any more.
  for (const Group& group : groups_) {
    if (units.contains(group.label)) group.srun->Kill(SIGTERM);
  }
  if (absl::Status cancelled = CancelSlurmJobs(JobIds()); !cancelled.ok()) {
    std::fprintf(stderr, "lp: %s\n", std::string(cancelled.message()).c_str());
  }
  if (supervisor_->WaitFor(kSrunEndGrace)) return;
  for (const Group& group : groups_) {
    if (units.contains(group.label)) group.srun->Kill(SIGKILL);
  }
}

void SrunBackend::Join() {
  for (std::thread& watcher : watchers_) watcher.join();
  if (queue_watcher_.joinable()) queue_watcher_.join();
}

std::string SrunBackend::DescribeFailure(const NodeId& node, const std::string& cause) {
  const std::string host = HostOf(node);
  std::string text = absl::StrCat("node ", node.ToString(), " failed",
                                  host.empty() ? "" : absl::StrCat(" on host ", host), ": ",
                                  cause);
  // current_terminal and output_to_files tell the tasks' lines apart (an inner node of a
  // colocation prints through its colocation's task); the other terminals show srun's
  // output as it is, where --label starts each line with the task's rank, padded: " 3: ".
  std::vector<std::string> lines = terminal_->LastLines(node.ToString());
  if (lines.empty()) {
    const std::string label = absl::StrCat(node.index, ": ");
    for (const std::string& line : terminal_->LastLines(node.group)) {
      absl::string_view rest = absl::StripLeadingAsciiWhitespace(line);
      if (absl::ConsumePrefix(&rest, label)) lines.emplace_back(rest);
    }
  }
  AppendLastOutput(text, node.ToString(), lines);
  return text;
}

std::vector<std::string> SrunBackend::LastOutputLines(const NodeId& node) {
  Terminal* terminal = terminal_ready_.load(std::memory_order_acquire);
  if (terminal == nullptr) return {};
  // The task's own lines, split out of its group's srun output.
  return terminal->RecentLines(node.ToString());
}

}  // namespace lp::internal
