#ifndef LP_SRC_TERMINAL_WINDOW_TERMINAL_H_
#define LP_SRC_TERMINAL_WINDOW_TERMINAL_H_

#include "src/terminal/terminal.h"

namespace lp::internal {

// xterm and gnome-terminal: a graphical terminal window per node.
//
// The worker is not a process the launcher can reap (gnome-terminal even starts it from
// its server), so each window runs a small wrapper shell that writes its own pid to a
// file, runs the worker, writes the worker's "$?" to another file, and keeps the window
// open until the user presses Enter, so that the output stays readable. NodeProcess::pid
// is the wrapper's pid; killing its process tree kills the worker and closes the window.
class WindowTerminal : public Terminal {
 public:
  // Fails with what to do when there is no display (DISPLAY, or for gnome-terminal also
  // WAYLAND_DISPLAY, unset) or the terminal program is not installed.
  static absl::StatusOr<std::unique_ptr<WindowTerminal>> Create(TerminalKind kind);

  TerminalKind kind() const override { return kind_; }
  absl::StatusOr<std::unique_ptr<NodeProcess>> Launch(const std::string& node_key,
                                                      SpawnSpec spec) override;
  // A window's content cannot be read back: empty.
  std::vector<std::string> LastLines(const std::string&) override { return {}; }
  std::string Banner() const override { return ""; }

 private:
  WindowTerminal(TerminalKind kind, std::string program, std::string env,
                 std::string state_dir)
      : kind_(kind), program_(std::move(program)), env_(std::move(env)),
        state_dir_(std::move(state_dir)) {}

  const TerminalKind kind_;
  const std::string program_;    // absolute path of xterm / gnome-terminal
  const std::string env_;        // absolute path of env(1)
  const std::string state_dir_;  // where the wrappers write pid and status files
};

}  // namespace lp::internal

#endif  // LP_SRC_TERMINAL_WINDOW_TERMINAL_H_
