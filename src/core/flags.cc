#include "lp/flags.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/flags/internal/parse.h"
#include "absl/flags/internal/program_name.h"
#include "absl/flags/internal/usage.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lp/launch.h"

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
ABSL_FLAG(bool, lp_fork_server, true,
          "local_mp, test_mp: fork the workers from a fork server (a worker that ran main() "
          "up to lp::Launch once) rather than executing the binary once per node. Falls back "
          "to exec where it cannot apply; see docs/processes.md.");
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
ABSL_FLAG(std::string, lp_tls_cert, "",
          "Mutual TLS for all of the program's connections: the PEM certificate (chain) every "
          "node presents. Needs --lp_tls_key and --lp_tls_ca too; the files must be at the "
          "same paths on every host.");
ABSL_FLAG(std::string, lp_tls_key, "", "Mutual TLS: the PEM private key of --lp_tls_cert.");
ABSL_FLAG(std::string, lp_tls_ca, "",
          "Mutual TLS: the PEM CA certificates every peer's certificate must chain to.");
ABSL_FLAG(std::string, lp_tls_server_name, "",
          "Mutual TLS: the name clients check servers' certificates against (default: the "
          "host of the address, so the certificate must name every host's IP).");
// A string, so that "not given" differs from every port: the default depends on the
// launch type.
ABSL_FLAG(std::string, lp_status_port, "",
          "The launcher's status page, JSON API and /metrics (docs/observability.md): its "
          "port; 0 picks a free one and prints it, -1 turns the server off. Not given: a free "
          "port for local_mt, local_mp and slurm, no server for test_mt and test_mp.");
ABSL_FLAG(std::string, lp_status_host, "127.0.0.1",
          "The address the status server listens on. It has no authentication: keep the "
          "default loopback unless the network is trusted (0.0.0.0: every interface).");
ABSL_FLAG(std::string, lp_status, "",
          "HOST:PORT of a running program's status server: print its nodes as a table and "
          "exit, instead of launching (the same as the lp_status tool).");
ABSL_FLAG(std::string, lp_graph, "",
          "Write the program's graph to this file and exit without launching anything: "
          ".dot for Graphviz DOT text, .svg or .png drawn by Graphviz's dot (Debian package "
          "graphviz). See docs/observability.md.");
ABSL_FLAG(bool, lp_log_timestamps, false,
          "Process launches (local_mp, test_mp, slurm) with --lp_terminal=current_terminal "
          "or output_to_files: start every line of node output with the UTC time the "
          "launcher read it, e.g. 2026-12-02T10:01:02.123456Z. Not under local_mt/test_mt, "
          "where nodes are threads printing to the process's own stdout.");

namespace lp {
namespace {

// True while Abseil parses the command line. Abseil reports every bad flag on stderr and
// then calls std::exit(1), which it offers no way to change; a program that cannot start
// because of its command line must exit with kExitLaunchError instead (1 says a node
// failed). So an atexit handler turns an exit during the parse into that code.
std::atomic<bool> g_parsing{false};

void ExitWithLaunchErrorDuringParse() {
  if (!g_parsing.load()) return;
  std::cout.flush();
  std::fprintf(stderr,
               "lp: the command line could not be parsed (see the ERROR lines above): correct "
               "or remove the flags they name; --helpfull lists every flag of this program\n");
  std::fflush(nullptr);
  _exit(kExitLaunchError);  // not exit(): we are inside exit() already
}

// --help lists the flags whose file the usage config's contains_help_flags accepts, and
// Abseil's default accepts only a file named after the binary (hello_world.cc): for a
// program whose main() is in main.cc it listed no flag at all. Widen the filter, keeping
// whatever the program configured itself, to every flag defined outside Abseil's own
// flag library: the program's flags and the lp_* ones.
void ListProgramAndLpFlagsInHelp() {
  static std::once_flag once;
  std::call_once(once, [] {
    absl::FlagsUsageConfig config = absl::flags_internal::GetUsageConfig();
    config.contains_help_flags = [before = std::move(config.contains_help_flags)](
                                     absl::string_view file) {
      return before(file) || !absl::StrContains(file, "absl/flags/");
    };
    absl::SetFlagsUsageConfig(std::move(config));
  });
}

// The usage line --help starts with: the program's own (absl::SetProgramUsageMessage)
// when it set one, else ours. Abseil has no way to ask whether one was set but the text
// it returns instead, which this matches by its start.
std::string UsageMessage() {
  const absl::string_view set = absl::ProgramUsageMessage();
  if (!absl::StartsWith(set, "Warning: SetProgramUsageMessage() never called")) {
    return std::string(set);
  }
  return absl::StrCat("a Launchpad program.\n\nUsage: ",
                      absl::flags_internal::ShortProgramInvocationName(),
                      " [--flag=value]...\n\n--lp_launch_type chooses where its nodes run "
                      "(local_mt, local_mp, slurm, ...); --helpfull lists every flag, "
                      "Abseil's own too.");
}

}  // namespace

std::vector<std::string> ParseFlags(int argc, char** argv) {
  static const bool registered = std::atexit(ExitWithLaunchErrorDuringParse) == 0;
  (void)registered;
  // absl::ParseCommandLine, with its two steps apart: the parse (whose failure exits) and
  // --help/--version (whose exit codes stay Abseil's: they are not errors of ours).
  g_parsing = true;
  std::vector<char*> positional = absl::flags_internal::ParseCommandLineImpl(
      argc, argv, absl::flags_internal::ArgvListAction::kRemoveParsedArgs,
      absl::flags_internal::UsageFlagsAction::kIgnoreUsage,
      absl::flags_internal::OnUndefinedFlag::kAbortIfUndefined);
  g_parsing = false;
  ListProgramAndLpFlagsInHelp();
  const int usage_exit_code = absl::flags_internal::HandleUsageFlags(std::cout, UsageMessage());
  if (usage_exit_code != -1) std::exit(usage_exit_code);
  return {positional.begin(), positional.end()};
}

}  // namespace lp
