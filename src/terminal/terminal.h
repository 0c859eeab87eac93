#ifndef LP_SRC_TERMINAL_TERMINAL_H_
#define LP_SRC_TERMINAL_TERMINAL_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/process/spawn.h"
#include "src/terminal/node_process.h"
#include "src/terminal/terminal_kind.h"

namespace lp::internal {

// Where the nodes of a local_mp launch run and show their output. The launcher makes one
// Terminal per launch (MakeTerminal), prints its Banner(), then for every node:
//
//   absl::StatusOr<std::unique_ptr<NodeProcess>> node = terminal->Launch("actor/0", spec);
//   ... node->WaitForExit(deadline) on a thread per node, node->Kill(SIGTERM) on stop ...
//   if (!exit->success()) print terminal->LastLines("actor/0");
//
// Node keys are "group/index"; they name the node in prefixes, file names and windows.
//
// Thread safety: every method may be called from any thread.
class Terminal {
 public:
  virtual ~Terminal() = default;

  virtual TerminalKind kind() const = 0;

  // Starts the node's process as `spec` says, except for `spec.output`, which the
  // terminal decides. `kill_on_parent_death` holds for the kinds whose nodes are children
  // of the launcher (current_terminal, output_to_files; xterm's window too); tmux and
  // gnome-terminal start processes through a server, so there the launcher's death is
  // noticed by the workers themselves (through the coordinator).
  virtual absl::StatusOr<std::unique_ptr<NodeProcess>> Launch(const std::string& node_key,
                                                              SpawnSpec spec) = 0;

  // A descriptor for the stdout and stderr of a node whose process someone else starts
  // (a fork server, src/launch/fork_server.h), captured as Launch would capture it. The
  // kinds that start their nodes' processes themselves (tmux, terminal windows) cannot:
  // FailedPrecondition.
  virtual absl::StatusOr<UniqueFd> OpenOutput(const std::string& node_key);

  // The last lines the node printed, oldest first; empty when the terminal cannot know
  // (xterm, gnome-terminal). Call after the node ended for the complete tail.
  virtual std::vector<std::string> LastLines(const std::string& node_key) = 0;
  // The last lines the node printed so far, without waiting for the rest (the status
  // page asks while nodes run); empty when the terminal cannot know. Thread-safe.
  virtual std::vector<std::string> RecentLines(const std::string&) { return {}; }

  // What the launcher prints once at start, e.g. where the logs are or how to attach to
  // the tmux session; empty when there is nothing to say.
  virtual std::string Banner() const = 0;
};

struct TerminalOptions {
  // Names log directories and tmux sessions.
  std::string program_name = "lp";
  // output_to_files: the directory (created if missing); empty for a fresh one in /tmp.
  std::string log_dir;
  // tmux_session: the tmux server socket name (tmux -L); empty for the user's default
  // server, the one a plain `tmux attach` reaches. Tests use a private one.
  std::string tmux_socket;
  // current_terminal: where the prefixed lines go, and whether they are coloured
  // (default: when it is a terminal).
  int output_fd = 1;
  std::optional<bool> colour;
  // current_terminal, output_to_files: start every line with the UTC time the launcher
  // read it (--lp_log_timestamps).
  bool timestamps = false;
  // Every process launched is an srun whose output carries its tasks' lines with srun's
  // --label ("  3: text"): current_terminal prefixes them "[group/3]", output_to_files
  // writes them to node group/3's file.
  bool srun_tasks = false;
};

// Makes a terminal of `kind`. Fails early, with what to do about it, when the terminal
// cannot work here: tmux, xterm or gnome-terminal not installed, no display, a log
// directory that cannot be created.
absl::StatusOr<std::unique_ptr<Terminal>> MakeTerminal(TerminalKind kind,
                                                       const TerminalOptions& options);

}  // namespace lp::internal

#endif  // LP_SRC_TERMINAL_TERMINAL_H_
