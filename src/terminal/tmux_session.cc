#include "src/terminal/tmux_session.h"

#include <limits.h>
#include <stdlib.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "src/process/find_program.h"
#include "src/process/process_tree.h"
#include "src/process/run_command.h"
#include "src/process/wait_for_exit.h"
#include "src/terminal/names.h"

namespace lp::internal {
namespace {

constexpr absl::Duration kTmuxTimeout = absl::Seconds(20);
constexpr size_t kLastLines = 20;

// Runs one tmux command; its output, or an error carrying what tmux said.
absl::StatusOr<std::string> Tmux(const std::vector<std::string>& tmux,
                                 const std::vector<std::string>& args) {
  std::vector<std::string> argv = tmux;
  argv.insert(argv.end(), args.begin(), args.end());
  absl::StatusOr<CommandResult> result = RunCommand(argv, kTmuxTimeout);
  if (!result.ok()) return result.status();
  if (!result->exit.success()) {
    return absl::InternalError(absl::StrCat("'", absl::StrJoin(argv, " "), "' ",
                                            result->exit.ToString(), ": ",
                                            absl::StripAsciiWhitespace(result->output)));
  }
  return std::string(absl::StripTrailingAsciiWhitespace(result->output));
}

// Runs the worker ("$@") and records its "$?" in the file $1, written under a temporary
// name and renamed so that a reader never sees half a number. Exits with the same status
// so that tmux's "Pane is dead (status N)" line tells the user too.
constexpr char kWrapper[] = R"sh(
status_file=$1; shift
"$@"
status=$?
echo $status > "$status_file.tmp" && mv "$status_file.tmp" "$status_file"
exit $status
)sh";

std::optional<ExitInfo> ReadStatusFile(const std::string& path) {
  std::ifstream file(path);
  int status = 0;
  if (file >> status) return ExitInfo::FromShellStatus(status);
  return std::nullopt;
}

// tmux reads an argument ending in ';' as a command separator; "\;" is a literal one.
std::string EscapeArgument(const std::string& arg) {
  if (!absl::EndsWith(arg, ";")) return arg;
  return absl::StrCat(arg.substr(0, arg.size() - 1), "\\;");
}

// tmux uses '.' and ':' in targets ("session:window.pane").
std::string WindowName(const std::string& node_key) {
  std::string name = node_key;
  for (char& c : name) {
    if (c == '.' || c == ':') c = '_';
  }
  return name;
}

std::string CurrentDirectory() {
  char buffer[PATH_MAX];
  return getcwd(buffer, sizeof(buffer)) != nullptr ? buffer : "/";
}

// A worker in a tmux pane, run by the wrapper shell whose pid this is: the wrapper's end
// is seen through a pidfd, and the worker's status read from the file it leaves.
class TmuxNodeProcess : public NodeProcess {
 public:
  TmuxNodeProcess(pid_t pid, std::optional<PidFd> pidfd, std::string status_file)
      : NodeProcess(pid), pidfd_(std::move(pidfd)), status_file_(std::move(status_file)) {}

  ~TmuxNodeProcess() override {
    if (!HasExited()) Kill(SIGKILL);
  }

 protected:
  // Kill signals the worker's tree but not the wrapper, which must survive to record the
  // status (it exits right after). Before the wrapper has started the worker, the
  // wrapper itself is signalled.
  std::vector<pid_t> KillRoots() const override {
    std::vector<pid_t> workers = ChildrenOf(pid());
    if (workers.empty()) return {pid()};
    return workers;
  }

  absl::StatusOr<ExitInfo> AwaitExit(absl::Time deadline) override {
    if (pidfd_.has_value() && !pidfd_->WaitUntilExited(deadline)) {
      return absl::DeadlineExceededError(absl::StrCat("process ", pid(), " still running"));
    }
    if (std::optional<ExitInfo> exit = ReadStatusFile(status_file_)) return *exit;
    return absl::UnavailableError(absl::StrCat(
        "the node's tmux pane ended before the node could report its exit status "
        "(wrapper process ", pid(), " killed?)"));
  }

 private:
  // The direct children of `parent`: Descendants() lists them first, but grandchildren
  // too, so keep only those whose parent is `parent`.
  static std::vector<pid_t> ChildrenOf(pid_t parent) {
    std::vector<pid_t> children;
    for (pid_t pid : Descendants(parent)) {
      std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
      std::string text((std::istreambuf_iterator<char>(stat)), {});
      const size_t paren = text.rfind(')');
      if (paren == std::string::npos) continue;
      std::istringstream fields(text.substr(paren + 1));
      char state;
      pid_t ppid = 0;
      if (fields >> state >> ppid && ppid == parent) children.push_back(pid);
    }
    return children;
  }

  const std::optional<PidFd> pidfd_;  // empty when the wrapper was gone before we looked
  const std::string status_file_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<TmuxSession>> TmuxSession::Create(
    const std::string& program_name, const std::string& socket) {
  absl::StatusOr<std::string> binary = FindProgram("tmux");
  if (!binary.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--lp_terminal=tmux_session needs tmux: ", binary.status().message(),
        " (e.g. apt install tmux), or use --lp_terminal=current_terminal"));
  }
  std::vector<std::string> tmux = {*binary};
  if (!socket.empty()) tmux.insert(tmux.end(), {"-L", socket});
  const std::string base = SanitizeName(program_name);
  std::string state_dir = "/tmp/lp-tmux-XXXXXX";
  if (mkdtemp(state_dir.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("cannot create a directory in /tmp: ", std::strerror(errno)));
  }
  for (int suffix = 1; suffix < 1000; ++suffix) {
    const std::string name = suffix == 1 ? base : absl::StrCat(base, "_", suffix);
    // has-session fails both for "no such session" and "no server running": free.
    if (!Tmux(tmux, {"has-session", "-t", absl::StrCat("=", name)}).ok()) {
      return std::unique_ptr<TmuxSession>(new TmuxSession(tmux, name, state_dir));
    }
  }
  return absl::ResourceExhaustedError(
      absl::StrCat("no free tmux session name for '", base, "'"));
}

TmuxSession::~TmuxSession() {
  std::error_code ignored;
  std::filesystem::remove_all(state_dir_, ignored);
}

std::string TmuxSession::Banner() const {
  std::string attach = "tmux";
  for (size_t i = 1; i < tmux_.size(); ++i) absl::StrAppend(&attach, " ", tmux_[i]);
  return absl::StrCat("lp: nodes run in tmux session '", session_, "'; attach with: ",
                      attach, " attach -t ", session_);
}

absl::StatusOr<std::unique_ptr<NodeProcess>> TmuxSession::Launch(const std::string& node_key,
                                                                  SpawnSpec spec) {
  if (spec.argv.empty()) return absl::InvalidArgumentError("Launch: empty argv");
  absl::StatusOr<std::string> env = FindProgram("env");
  if (!env.ok()) return env.status();
  absl::StatusOr<std::string> program = FindProgram(spec.argv[0]);
  if (!program.ok()) return program.status();
  // env passes the overrides explicitly (the tmux server's environment is not the
  // launcher's) and then execs the worker, which keeps the pane's pid.
  std::vector<std::string> command = {*env};
  for (const auto& [key, value] : spec.env_overrides) {
    command.push_back(absl::StrCat(key, "=", value));
  }
  command.push_back(*program);
  command.insert(command.end(), spec.argv.begin() + 1, spec.argv.end());

  std::lock_guard lock(mu_);
  const std::string status_file =
      absl::StrCat(state_dir_, "/", ++windows_started_, ".status");
  command.insert(command.begin(), {"/bin/sh", "-c", kWrapper, "lp-node", status_file});
  std::vector<std::string> args;
  if (!session_created_) {
    args = {"new-session", "-d", "-s", session_};
  } else {
    // Not -d: the new window must become the current one for set-option below.
    args = {"new-window", "-t", absl::StrCat(session_, ":")};
  }
  args.insert(args.end(), {"-n", WindowName(node_key), "-c", CurrentDirectory(), "-P", "-F",
                           "#{pane_id} #{pane_pid}", "--"});
  for (const std::string& arg : command) args.push_back(EscapeArgument(arg));
  // In the same command list, so that it is set before the worker can run.
  args.insert(args.end(), {";", "set-option", "-p", "remain-on-exit", "on"});
  absl::StatusOr<std::string> created = Tmux(tmux_, args);
  if (!created.ok()) return created.status();
  session_created_ = true;

  const std::vector<std::string> fields = absl::StrSplit(*created, ' ');
  pid_t pid = 0;
  if (fields.size() != 2 || !absl::SimpleAtoi(fields[1], &pid) || pid <= 0) {
    return absl::InternalError(absl::StrCat("unexpected answer from tmux: '", *created, "'"));
  }
  panes_[node_key] = fields[0];
  // NotFound: the wrapper already ended (and tmux reaped it); its status file is there.
  absl::StatusOr<PidFd> pidfd = PidFd::Open(pid);
  std::optional<PidFd> watch;
  if (pidfd.ok()) watch.emplace(*std::move(pidfd));
  return std::make_unique<TmuxNodeProcess>(pid, std::move(watch), status_file);
}

std::vector<std::string> TmuxSession::LastLines(const std::string& node_key) {
  std::string pane;
  {
    std::lock_guard lock(mu_);
    const auto it = panes_.find(node_key);
    if (it == panes_.end()) return {};
    pane = it->second;
  }
  absl::StatusOr<std::string> text =
      Tmux(tmux_, {"capture-pane", "-p", "-J", "-S", "-", "-E", "-", "-t", pane});
  if (!text.ok()) return {};
  std::vector<std::string> lines = absl::StrSplit(*text, '\n');
  // tmux's own "Pane is dead (status 3, <date>)" and the blank rows of the screen.
  std::erase_if(lines, [](const std::string& line) {
    return absl::StartsWith(line, "Pane is dead");
  });
  while (!lines.empty() && absl::StripAsciiWhitespace(lines.back()).empty()) lines.pop_back();
  if (lines.size() > kLastLines) lines.erase(lines.begin(), lines.end() - kLastLines);
  return lines;
}

}  // namespace lp::internal
