#include "lp/flags.h"

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"

ABSL_FLAG(lp::LaunchType, lp_launch_type, lp::LaunchType::kLocalMt,
          "Where the program's nodes run: local_mt (threads), local_mp (processes), "
          "test_mt, test_mp or slurm.");
ABSL_FLAG(double, lp_termination_notice_secs, 10,
          "Seconds that nodes get to end after a stop was requested before they are "
          "killed. 0 kills at once; a negative value waits forever.");
ABSL_FLAG(std::string, lp_terminal, "current_terminal",
          "Where the output of process launches goes: current_terminal, output_to_files, "
          "tmux_session, xterm or gnome-terminal.");
ABSL_FLAG(std::string, lp_log_dir, "",
          "The directory of --lp_terminal=output_to_files (default: a fresh one in /tmp).");
ABSL_FLAG(bool, lp_slurm_dry_run, false,
          "slurm: print the srun commands that would start each group, then end without "
          "running anything.");
// A string, not an absl::Duration: Abseil keeps a Duration flag behind a sequence lock
// built on atomic_thread_fence, which -fsanitize=thread refuses to compile.
ABSL_FLAG(std::string, lp_slurm_pending_timeout, "inf",
          "slurm: how long a group's job may wait in the queue (e.g. 30s, 10m) before the "
          "launch fails with the reason Slurm gives; inf waits as long as it takes.");
ABSL_FLAG(std::string, lp_coordinator_host, "",
          "slurm: the host name or IP at which tasks reach the launcher (default: the "
          "launching machine's address as Slurm reports it to the tasks).");

namespace lp {

std::vector<std::string> ParseFlags(int argc, char** argv) {
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  return {positional.begin(), positional.end()};
}

}  // namespace lp
