// lp::Launch: resolves the options, validates, and hands the program to the launcher of
// its launch type — or, in a worker process, runs the one node the worker was started for.

#include "lp/launch.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lp/flags.h"
#include "src/core/worker_environment.h"
#include "src/courier/rpc/transport_security.h"
#include "src/graph/graph_file.h"
#include "src/launch/courier_secret.h"
#include "src/launch/launch_index.h"
#include "src/launch/launcher.h"
#include "src/launch/process_backend.h"
#include "src/launch/serve_forks.h"
#include "src/launch/srun_backend.h"
#include "src/launch/supervisor.h"
#include "src/launch/test_hooks.h"
#include "src/launch/thread_backend.h"
#include "src/launch/topology.h"
#include "src/launch/worker.h"
#include "src/process/open_file_limit.h"
#include "src/status/status_client.h"
#include "src/terminal/terminal_kind.h"

namespace lp {
namespace {

// --lp_status=HOST:PORT: this run only shows another program's status.
[[noreturn]] void PrintStatusAndExit(const std::string& address) {
  absl::StatusOr<std::string> table = internal::FetchStatusTable(address);
  std::cout.flush();
  if (!table.ok()) {
    std::fprintf(stderr, "lp: --lp_status=%s: %s\n", address.c_str(),
                 std::string(table.status().message()).c_str());
    std::fflush(nullptr);
    std::exit(kExitLaunchError);
  }
  std::fputs(table->c_str(), stdout);
  std::fflush(nullptr);
  std::exit(0);
}

bool IsProcessLaunch(LaunchType type) {
  return type == LaunchType::kLocalMp || type == LaunchType::kTestMp ||
         type == LaunchType::kSlurm;
}

absl::StatusOr<internal::ResolvedLaunchOptions> Resolve(const LaunchOptions& options) {
  internal::ResolvedLaunchOptions resolved;
  resolved.launch_type = options.launch_type.value_or(absl::GetFlag(FLAGS_lp_launch_type));
  if (options.termination_notice.has_value()) {
    resolved.termination_notice = *options.termination_notice;
  } else {
    resolved.termination_notice = absl::Seconds(absl::GetFlag(FLAGS_lp_termination_notice_secs));
  }
  if (resolved.termination_notice < absl::ZeroDuration()) {
    resolved.termination_notice = absl::InfiniteDuration();
  }
  resolved.handle_signals =
      options.handle_signals.value_or(!IsTestLaunchType(resolved.launch_type));
  // Parsed here once for every backend. Only process launches have terminals: elsewhere
  // a wrong name is ignored, like the flag.
  absl::StatusOr<internal::TerminalKind> terminal =
      internal::ParseTerminalKind(options.terminal.value_or(absl::GetFlag(FLAGS_lp_terminal)));
  if (terminal.ok()) {
    resolved.terminal = *terminal;
  } else if (IsProcessLaunch(resolved.launch_type)) {
    return terminal.status();
  }
  resolved.log_dir = options.log_dir.value_or(absl::GetFlag(FLAGS_lp_log_dir));
  resolved.log_timestamps =
      options.log_timestamps.value_or(absl::GetFlag(FLAGS_lp_log_timestamps));
  resolved.local_resources = options.local_resources;
  resolved.fork_server = options.fork_server.value_or(absl::GetFlag(FLAGS_lp_fork_server));
  // Tests launch many programs: their status servers only when asked for.
  int status_port = IsTestLaunchType(resolved.launch_type) ? -1 : 0;
  if (const std::string flag = absl::GetFlag(FLAGS_lp_status_port); !flag.empty()) {
    if (!absl::SimpleAtoi(flag, &status_port)) status_port = -2;  // refused below
  }
  resolved.status_port = options.status_port.value_or(status_port);
  if (resolved.status_port < -1 || resolved.status_port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the status port must be 0 (any free port), -1 (no status server) or a port number "
        "(--lp_status_port='", absl::GetFlag(FLAGS_lp_status_port),
        "', LaunchOptions::status_port)"));
  }
  resolved.status_host = options.status_host.value_or(absl::GetFlag(FLAGS_lp_status_host));
  resolved.show_progress =
      !IsTestLaunchType(resolved.launch_type) && isatty(STDERR_FILENO) == 1;
  resolved.slurm_resources = options.slurm_resources;
  resolved.slurm_dry_run = options.slurm_dry_run.value_or(absl::GetFlag(FLAGS_lp_slurm_dry_run));
  if (options.slurm_pending_timeout.has_value()) {
    resolved.slurm_pending_timeout = *options.slurm_pending_timeout;
  } else {
    const std::string text = absl::GetFlag(FLAGS_lp_slurm_pending_timeout);
    if (!absl::ParseDuration(text, &resolved.slurm_pending_timeout)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--lp_slurm_pending_timeout='", text,
          "' is not a duration; write it like 30s, 10m, 1h30m, or inf for no limit"));
    }
  }
  resolved.coordinator_host =
      options.coordinator_host.value_or(absl::GetFlag(FLAGS_lp_coordinator_host));
  const TlsOptions tls = options.tls.value_or(TlsOptions{
      .certificate_file = absl::GetFlag(FLAGS_lp_tls_cert),
      .private_key_file = absl::GetFlag(FLAGS_lp_tls_key),
      .ca_file = absl::GetFlag(FLAGS_lp_tls_ca),
      .server_name = absl::GetFlag(FLAGS_lp_tls_server_name)});
  absl::StatusOr<std::shared_ptr<const rpc::TransportSecurity>> transport =
      rpc::LoadTransportSecurity(tls);
  if (!transport.ok()) return transport.status();
  resolved.transport = *std::move(transport);
  return resolved;
}

// InvalidArgument when `resources` (local_resources or slurm_resources) names a group the
// program does not have: a typo would otherwise silently launch with defaults.
template <typename Config>
absl::Status CheckGroupsExist(const Program& program, const char* what,
                              const std::map<std::string, Config>& resources) {
  for (const auto& [label, config] : resources) {
    if (program.FindGroup(label) != nullptr) continue;
    std::vector<std::string> groups;
    for (const Program::GroupNodes& group : program.Groups()) groups.push_back(group.label);
    return absl::InvalidArgumentError(absl::StrCat(
        what, " names group '", label, "', but program '", program.name(),
        "' has no such group; its groups are: ", absl::StrJoin(groups, ", ")));
  }
  return absl::OkStatus();
}

absl::Status Validate(const Program& program, const internal::ResolvedLaunchOptions& options) {
  if (program.NumNodes() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "program '", program.name(), "' has no nodes; add nodes with AddNode before launching"));
  }
  if (absl::Status groups = CheckGroupsExist(program, "local_resources", options.local_resources);
      !groups.ok()) {
    return groups;
  }
  if (absl::Status groups = CheckGroupsExist(program, "slurm_resources", options.slurm_resources);
      !groups.ok()) {
    return groups;
  }
  switch (options.launch_type) {
    case LaunchType::kLocalMt:
    case LaunchType::kLocalMp:
    case LaunchType::kSlurm:
      return absl::OkStatus();
    case LaunchType::kTestMt:
    case LaunchType::kTestMp:
      if (!internal::HasTestFailureReporter()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "launch type ", std::string(LaunchTypeName(options.launch_type)),
            " runs inside a GoogleTest test: link the test binary with lp_gtest_main (it "
            "reports node failures to the running test)"));
      }
      return absl::OkStatus();
  }
  return absl::InvalidArgumentError("unknown launch type");
}

// --lp_graph: the program's picture instead of its launch, like --help instead of a run.
// Returns the error when the graph cannot be written; otherwise ends the process.
absl::Status WriteGraphAndExit(const Program& program, const std::string& path) {
  if (absl::Status written = internal::WriteProgramGraph(program, path); !written.ok()) {
    return written;
  }
  std::cout << "lp: wrote the graph of program '" << program.name() << "' to " << path
            << std::endl;
  std::exit(0);
}

std::unique_ptr<internal::Launcher> StartLauncher(Program program,
                                                  internal::ResolvedLaunchOptions options) {
  std::unique_ptr<internal::SupervisorBackend> backend;
  if (options.launch_type == LaunchType::kSlurm) {
    backend = std::make_unique<internal::SrunBackend>();
  } else if (IsProcessLaunch(options.launch_type)) {
    backend = std::make_unique<internal::ProcessBackend>();
  } else {
    backend = std::make_unique<internal::ThreadBackend>();
  }
  auto supervisor = std::make_unique<internal::Supervisor>(std::move(program), std::move(options),
                                                           std::move(backend));
  (void)supervisor->Start();  // an error is the launch's outcome, reported by Wait()
  return supervisor;
}

}  // namespace

Controller::Controller(std::unique_ptr<internal::Launcher> launcher)
    : launcher_(std::move(launcher)) {}
Controller::Controller(Controller&&) noexcept = default;
Controller& Controller::operator=(Controller&&) noexcept = default;
Controller::~Controller() = default;

absl::Status Controller::Wait() { return launcher_->Wait(); }
bool Controller::WaitFor(absl::Duration timeout) { return launcher_->WaitFor(timeout); }
void Controller::Stop() { launcher_->Stop(); }
std::string Controller::StatusUrl() const { return launcher_->StatusUrl(); }

Controller Launch(Program program, LaunchOptions options) {
  if (const std::string status = absl::GetFlag(FLAGS_lp_status); !status.empty()) {
    PrintStatusAndExit(status);
  }
  internal::RaiseOpenFileLimit();  // hundreds of nodes need more than the usual 1024
  absl::StatusOr<internal::ResolvedLaunchOptions> resolved_or = Resolve(options);
  if (!resolved_or.ok()) {
    (void)internal::NextLaunchIndex();  // numbered all the same, for the launches after it
    return Controller(std::make_unique<internal::EndedLaunch>(resolved_or.status()));
  }
  internal::ResolvedLaunchOptions resolved = *std::move(resolved_or);
  resolved.launch_index = internal::NextLaunchIndex();

  absl::StatusOr<std::optional<internal::WorkerAssignment>> worker =
      internal::WorkerAssignmentFromEnvironment();
  if (!worker.ok()) {
    return Controller(std::make_unique<internal::EndedLaunch>(worker.status()));
  }
  if (worker->has_value()) {
    // A program launched before this worker's own: main() must get past it.
    if (resolved.launch_index < (*worker)->launch_index) {
      return Controller(std::make_unique<internal::EndedLaunch>(absl::OkStatus()));
    }
    // Which program the worker runs, as it registers with the coordinator. A fork server
    // works it out once for all its workers: it reads every node of the program, which
    // each of N workers would otherwise do again (O(N^2) memory touched for a launch).
    std::string fingerprint = internal::ProgramFingerprint(program);
    if (internal::IsForkServer()) {
      // Returns in each worker it forks, with that worker's own variables set.
      internal::ServeForks();
      worker = internal::WorkerAssignmentFromEnvironment();
      if (!worker.ok() || !worker->has_value()) {
        const std::string why =
            worker.ok() ? "LP_NODE is not set" : std::string(worker.status().message());
        std::fprintf(stderr, "lp: a forked worker has no node to run: %s\n", why.c_str());
        std::_Exit(internal::kWorkerSetupFailed);
      }
    }
    resolved.launch_type = (*worker)->launch_type;
    internal::RunWorker(std::move(program), std::move(fingerprint), **worker, resolved);
  }

  if (const std::string graph = options.graph_file.value_or(absl::GetFlag(FLAGS_lp_graph));
      !graph.empty()) {
    absl::Status not_written = WriteGraphAndExit(program, graph);
    return Controller(std::make_unique<internal::EndedLaunch>(std::move(not_written)));
  }
  if (absl::Status valid = Validate(program, resolved); !valid.ok()) {
    return Controller(std::make_unique<internal::EndedLaunch>(std::move(valid)));
  }
  absl::StatusOr<std::string> secret = internal::NewLaunchCourierSecret();
  if (!secret.ok()) {
    return Controller(std::make_unique<internal::EndedLaunch>(secret.status()));
  }
  resolved.courier_secret = *std::move(secret);
  return Controller(StartLauncher(std::move(program), std::move(resolved)));
}

int LaunchAndWait(Program program, LaunchOptions options) {
  const std::string name = program.name();
  Controller controller = Launch(std::move(program), std::move(options));
  const absl::Status outcome = controller.Wait();
  if (outcome.ok()) return 0;
  std::cout.flush();
  const char* what = absl::IsAborted(outcome)            ? "failed"
                     : absl::IsDeadlineExceeded(outcome) ? "did not stop cleanly"
                                                         : "could not be launched";
  std::fprintf(stderr, "lp: program '%s' %s: %s\n", name.c_str(), what,
               std::string(outcome.message()).c_str());
  if (absl::IsAborted(outcome)) return kExitNodeFailed;
  if (absl::IsDeadlineExceeded(outcome)) return kExitStragglers;
  return kExitLaunchError;
}

}  // namespace lp
