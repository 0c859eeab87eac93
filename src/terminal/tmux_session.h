#ifndef LP_SRC_TERMINAL_TMUX_SESSION_H_
#define LP_SRC_TERMINAL_TMUX_SESSION_H_

#include <map>
#include <mutex>

#include "src/terminal/terminal.h"

namespace lp::internal {

// tmux_session: a detached tmux session named after the program, with one window per
// node running the worker. The user attaches with `tmux attach -t <session>`.
//
// How the launcher keeps track of workers it did not fork: each pane runs a tiny wrapper
// shell, `sh -c '"$@"; echo $? > <status file>' env K=V... argv`, whose pid tmux reports
// (#{pane_pid}); NodeProcess::pid is that wrapper, the worker is its only child (env
// execs it). The wrapper's end is seen through a pidfd and the worker's status read from
// the file. (tmux's own #{pane_dead_status} was the first choice, but tmux 3.3a now and
// then never records it.) env passes the overrides explicitly: the tmux server's
// environment is not the launcher's. Dead panes stay open (remain-on-exit, set in the
// same tmux command that creates the window) for the user to read.
//
// Workers are children of the tmux server, not of the launcher: kill_on_parent_death
// cannot apply, so a worker must notice its launcher's death by itself (coordinator).
// The session outlives the launcher on purpose, so that the output stays readable; the
// user closes it (tmux kill-session -t <session>).
//
// Thread safety: Launch and LastLines may be called from any thread; windows are created
// one at a time. Synchronized with std::mutex, not absl::Mutex: Debian's Abseil is not
// built for ThreadSanitizer, so TSan cannot see the ordering an absl::Mutex provides.
class TmuxSession : public Terminal {
 public:
  // Fails when tmux is not installed. Picks a session name not yet in use: the sanitised
  // program name, with "_2", "_3", ... appended when taken.
  static absl::StatusOr<std::unique_ptr<TmuxSession>> Create(const std::string& program_name,
                                                             const std::string& socket);

  // Removes the status files; the session itself stays for the user to read. Destroy
  // the NodeProcesses first: they read those files.
  ~TmuxSession() override;

  TerminalKind kind() const override { return TerminalKind::kTmuxSession; }
  absl::StatusOr<std::unique_ptr<NodeProcess>> Launch(const std::string& node_key,
                                                      SpawnSpec spec) override;
  // From the node's pane (tmux capture-pane), including its scroll-back. tmux reads the
  // pane asynchronously: right after the node ended its very last lines may be missing.
  std::vector<std::string> LastLines(const std::string& node_key) override;
  std::string Banner() const override;

  const std::string& session_name() const { return session_; }

 private:
  TmuxSession(std::vector<std::string> tmux, std::string session, std::string state_dir)
      : tmux_(std::move(tmux)), session_(std::move(session)),
        state_dir_(std::move(state_dir)) {}

  const std::vector<std::string> tmux_;  // the tmux binary and its socket options
  const std::string session_;
  const std::string state_dir_;  // where the wrappers leave the workers' exit statuses
  std::mutex mu_;  // held while a window is created: the first creates the session
  // Guarded by mu_:
  bool session_created_ = false;
  std::map<std::string, std::string> panes_;  // node key -> pane id
  int windows_started_ = 0;
};

}  // namespace lp::internal

#endif  // LP_SRC_TERMINAL_TMUX_SESSION_H_
