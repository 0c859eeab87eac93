#include "src/terminal/window_terminal.h"

#include <signal.h>
#include <stdlib.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "src/process/find_program.h"
#include "src/process/process_spawner.h"
#include "src/process/wait_for_exit.h"
#include "src/terminal/names.h"

namespace lp::internal {
namespace {

// How long a window may take to open and start the wrapper.
constexpr absl::Duration kWindowStartTimeout = absl::Seconds(30);
constexpr absl::Duration kPollInterval = absl::Milliseconds(50);

// $1: pid file, $2: status file, then the worker's command. Files are written under a
// temporary name and renamed, so a reader never sees half a number.
constexpr char kWrapper[] = R"sh(
pid_file=$1; status_file=$2; shift 2
echo $$ > "$pid_file.tmp" && mv "$pid_file.tmp" "$pid_file"
"$@"
status=$?
echo $status > "$status_file.tmp" && mv "$status_file.tmp" "$status_file"
printf '\n[lp: the node ended with status %s; press Enter to close this window]\n' $status
read _
)sh";

std::optional<int> ReadNumber(const std::string& path) {
  std::ifstream file(path);
  int value = 0;
  if (file >> value) return value;
  return std::nullopt;
}

// The wrapper shell in a window: its end, or the status file it leaves, says the worker
// ended. The file is checked periodically: the shell itself stays until Enter is pressed.
class WindowNodeProcess : public NodeProcess {
 public:
  WindowNodeProcess(pid_t pid, PidFd pidfd, std::string status_file)
      : NodeProcess(pid), pidfd_(std::move(pidfd)), status_file_(std::move(status_file)) {}

  ~WindowNodeProcess() override {
    if (!HasExited()) Kill(SIGKILL);
  }

 protected:
  absl::StatusOr<ExitInfo> AwaitExit(absl::Time deadline) override {
    for (;;) {
      if (std::optional<int> status = ReadNumber(status_file_)) {
        return ExitInfo::FromShellStatus(*status);
      }
      if (pidfd_.WaitUntilExited(std::min(deadline, absl::Now() + kPollInterval))) {
        if (std::optional<int> status = ReadNumber(status_file_)) {
          return ExitInfo::FromShellStatus(*status);
        }
        return absl::UnavailableError(
            "the node's terminal window was closed before the node ended");
      }
      if (absl::Now() >= deadline) {
        return absl::DeadlineExceededError("the node is still running");
      }
    }
  }

 private:
  const PidFd pidfd_;
  const std::string status_file_;
};

absl::Status NoDisplay(const std::string& name, bool wayland_ok) {
  return absl::FailedPreconditionError(absl::StrCat(
      "--lp_terminal=", name, " opens a window per node, but there is no display: ",
      wayland_ok ? "neither DISPLAY nor WAYLAND_DISPLAY is set" : "DISPLAY is not set",
      ". Run it inside a graphical session (or ssh -X), or use --lp_terminal=",
      "current_terminal, output_to_files or tmux_session"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<WindowTerminal>> WindowTerminal::Create(TerminalKind kind) {
  if (kind != TerminalKind::kXterm && kind != TerminalKind::kGnomeTerminal) {
    return absl::InvalidArgumentError("WindowTerminal: xterm or gnome-terminal only");
  }
  const std::string name = TerminalKindName(kind);
  const bool wayland_ok = kind == TerminalKind::kGnomeTerminal;
  const char* display = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  const bool has_display = (display != nullptr && *display != '\0') ||
                           (wayland_ok && wayland != nullptr && *wayland != '\0');
  if (!has_display) return NoDisplay(name, wayland_ok);
  absl::StatusOr<std::string> program = FindProgram(name);
  if (!program.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--lp_terminal=", name, " needs ", name, ": ", program.status().message(),
        " (e.g. apt install ", name, "), or use --lp_terminal=current_terminal, ",
        "output_to_files or tmux_session"));
  }
  absl::StatusOr<std::string> env = FindProgram("env");
  if (!env.ok()) return env.status();
  std::string state_dir = "/tmp/lp-windows-XXXXXX";
  if (mkdtemp(state_dir.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("cannot create a directory in /tmp: ",
                                            std::strerror(errno)));
  }
  return std::unique_ptr<WindowTerminal>(
      new WindowTerminal(kind, *program, *env, std::move(state_dir)));
}

absl::StatusOr<std::unique_ptr<NodeProcess>> WindowTerminal::Launch(
    const std::string& node_key, SpawnSpec spec) {
  if (spec.argv.empty()) return absl::InvalidArgumentError("Launch: empty argv");
  const std::string stem = absl::StrCat(state_dir_, "/", NodeFileStem(node_key), "-",
                                        absl::ToUnixNanos(absl::Now()));
  const std::string pid_file = stem + ".pid";
  const std::string status_file = stem + ".status";

  // gnome-terminal starts the command from its server, whose environment is not ours:
  // env(1) carries the overrides through. xterm's child inherits them from xterm.
  std::vector<std::string> inner = {env_};
  for (const auto& [key, value] : spec.env_overrides) {
    inner.push_back(absl::StrCat(key, "=", value));
  }
  inner.insert(inner.end(), {"/bin/sh", "-c", kWrapper, "lp-node", pid_file, status_file});
  inner.insert(inner.end(), spec.argv.begin(), spec.argv.end());

  SpawnSpec window = spec;
  window.output = Output::Inherit();  // the terminal program's own complaints
  if (kind_ == TerminalKind::kXterm) {
    window.argv = {program_, "-T", node_key, "-e"};
  } else {
    window.argv = {program_, "--title", node_key, "--"};
  }
  window.argv.insert(window.argv.end(), inner.begin(), inner.end());
  absl::StatusOr<SpawnedProcess> terminal = ProcessSpawner::Global().Spawn(window);
  if (!terminal.ok()) return terminal.status();

  // Wait for the wrapper to say who it is. xterm stays our child for the window's life;
  // the gnome-terminal client returns once the server has the request.
  const absl::Time deadline = absl::Now() + kWindowStartTimeout;
  for (;;) {
    if (std::optional<int> pid = ReadNumber(pid_file)) {
      absl::StatusOr<PidFd> pidfd = PidFd::Open(*pid);
      if (!pidfd.ok()) {
        return absl::UnavailableError(
            absl::StrCat("the window of node ", node_key, " closed at once"));
      }
      return std::make_unique<WindowNodeProcess>(*pid, *std::move(pidfd), status_file);
    }
    absl::StatusOr<ExitInfo> exit = WaitForExit(terminal->pid, absl::Now() + kPollInterval);
    if (exit.ok() && !exit->success()) {
      return absl::UnavailableError(absl::StrCat(program_, " for node ", node_key, " ",
                                                 exit->ToString(), " before running it"));
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("the ", TerminalKindName(kind_), " window for node ", node_key,
                       " did not start within ", absl::FormatDuration(kWindowStartTimeout)));
    }
    if (exit.ok()) absl::SleepFor(kPollInterval);  // client done; the window is coming
  }
}

}  // namespace lp::internal
