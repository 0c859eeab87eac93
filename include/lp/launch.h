#ifndef LP_LAUNCH_H_
#define LP_LAUNCH_H_

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "lp/launch_type.h"
#include "lp/process_config.h"
#include "lp/program.h"
#include "lp/slurm_config.h"
#include "lp/tls.h"

namespace lp {

// How to launch. Every field left empty takes its value from the matching --lp_* flag.
struct LaunchOptions {
  std::optional<LaunchType> launch_type = std::nullopt;  // --lp_launch_type
  // How long nodes may keep running after a stop was requested before they are killed.
  // Zero kills at once; a negative duration (or InfiniteDuration) waits forever.
  std::optional<absl::Duration> termination_notice = std::nullopt;  // --lp_termination_notice_secs
  // Whether SIGINT/SIGTERM stop the program. Default: yes, except for the test_* types
  // (the test runner owns the signals there).
  std::optional<bool> handle_signals = std::nullopt;

  // Process launches (local_mp, test_mp) only:
  // Where node output goes: current_terminal, output_to_files, tmux_session, xterm,
  // gnome-terminal.
  std::optional<std::string> terminal = std::nullopt;  // --lp_terminal
  // The directory of output_to_files (default: a fresh one in /tmp).
  std::optional<std::string> log_dir = std::nullopt;  // --lp_log_dir
  // Start every line of node output with the UTC time the launcher read it
  // (current_terminal and output_to_files; slurm too).
  std::optional<bool> log_timestamps = std::nullopt;  // --lp_log_timestamps
  // Per-group command-line flags, environment and wrapper, by group label.
  std::map<std::string, ProcessConfig> local_resources = {};
  // Start workers by forking them from a fork server (a worker that ran main() up to
  // lp::Launch once) instead of executing the binary once per node; see
  // docs/processes.md, "Fork server", for where it applies and what it changes.
  std::optional<bool> fork_server = std::nullopt;  // --lp_fork_server

  // slurm only (see docs/slurm.md):
  // Per-group Slurm resources, by group label.
  std::map<std::string, SlurmConfig> slurm_resources = {};
  // Print the srun commands instead of running them; the launch then ends at once.
  std::optional<bool> slurm_dry_run = std::nullopt;  // --lp_slurm_dry_run
  // How long a group's job may stay pending before the launch fails with Slurm's reason.
  std::optional<absl::Duration> slurm_pending_timeout = std::nullopt;  // --lp_slurm_pending_timeout
  // The host or IP that tasks reach the launcher at (default: the address Slurm reports
  // for the launching machine, SLURM_LAUNCH_NODE_IPADDR).
  std::optional<std::string> coordinator_host = std::nullopt;  // --lp_coordinator_host

  // The launcher's status server (docs/observability.md): a page, a JSON API and
  // Prometheus metrics of the running program. Its port; 0 picks a free one (printed at
  // start), -1 turns it off. Default: on for local_mt, local_mp and slurm, off for
  // test_mt and test_mp.
  std::optional<int> status_port = std::nullopt;  // --lp_status_port
  // The address it listens on. Default loopback: it has no authentication. "0.0.0.0"
  // serves every interface (e.g. to watch a slurm launch from another machine).
  std::optional<std::string> status_host = std::nullopt;  // --lp_status_host

  // Mutual TLS for every Courier and coordinator connection (see lp/tls.h). Default: from
  // --lp_tls_cert, --lp_tls_key, --lp_tls_ca and --lp_tls_server_name; plain TCP when
  // they are not given.
  std::optional<TlsOptions> tls = std::nullopt;

  // Write the program's graph to this file (.dot, .svg or .png; see Program::ToDot) and
  // end the process with exit code 0 instead of launching. Empty: launch.
  std::optional<std::string> graph_file = std::nullopt;  // --lp_graph
};

// Exit codes of LaunchAndWait, and of the process when the runtime has to end it.
inline constexpr int kExitNodeFailed = 1;   // a node failed; its id and error were printed
inline constexpr int kExitLaunchError = 2;  // the program or its options are invalid
inline constexpr int kExitStragglers = 3;   // nodes outlived the termination notice
inline constexpr int kExitSecondInterrupt = 130;  // Ctrl+C pressed twice

namespace internal {
class Launcher;
}

// A launched program. Destroying it stops the program and waits for every node to end,
// so a program launched inside a scope (a test, a sweep step) never outlives it.
//
// Thread safety: Stop() and WaitFor() may be called from any thread; Wait() too, and it
// returns the same outcome to every caller.
class Controller {
 public:
  Controller(Controller&&) noexcept;
  Controller& operator=(Controller&&) noexcept;
  ~Controller();

  // Blocks until every node has ended. OK when they all ended normally; otherwise the
  // first failure ("node worker/3 failed: <its error>") or the launch error.
  absl::Status Wait();
  // Like Wait, but gives up after `timeout`; returns true once every node has ended.
  bool WaitFor(absl::Duration timeout);
  // Requests the program to stop, as lp::Stop() from a node would. Does not block.
  void Stop();
  // The address of the launcher's status page ("http://127.0.0.1:41234/"; see
  // LaunchOptions::status_port), or empty when there is none.
  std::string StatusUrl() const;

 private:
  friend Controller Launch(Program program, LaunchOptions options);
  explicit Controller(std::unique_ptr<internal::Launcher> launcher);
  std::unique_ptr<internal::Launcher> launcher_;
};

// Starts `program` and returns at once. Errors in the program or the options (no nodes,
// an unknown or unavailable launch type, ...) surface from Controller::Wait().
Controller Launch(Program program, LaunchOptions options = {});

// The form for main(): launches, waits, prints what went wrong if anything did, and
// returns the process exit code (0, or one of the kExit* codes above).
int LaunchAndWait(Program program, LaunchOptions options = {});

}  // namespace lp

#endif  // LP_LAUNCH_H_
