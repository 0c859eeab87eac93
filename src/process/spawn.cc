#include "src/process/spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/process/find_program.h"

extern char** environ;

namespace lp::internal {
namespace {

// What the child writes to the error pipe when a step before or at exec fails.
struct ChildError {
  enum Step : int { kSetup = 1, kRedirect = 2, kExec = 3 } step;
  int error_number;
};

// Everything the child needs, built before fork(): after fork() in a multi-threaded
// process only async-signal-safe calls are allowed, so no allocation happens there.
struct PreparedExec {
  std::string path;
  std::vector<std::string> argv_storage;
  std::vector<std::string> env_storage;
  std::vector<char*> argv;
  std::vector<char*> envp;
};

PreparedExec Prepare(const SpawnSpec& spec, std::string path) {
  PreparedExec exec;
  exec.path = std::move(path);
  exec.argv_storage = spec.argv;
  // The environment, keyed so that overrides replace inherited entries.
  std::map<std::string, std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const char* equals = std::strchr(*entry, '=');
    if (equals == nullptr) continue;
    environment[std::string(*entry, static_cast<size_t>(equals - *entry))] = equals + 1;
  }
  for (const auto& [key, value] : spec.env_overrides) environment[key] = value;
  for (const auto& [key, value] : environment) {
    exec.env_storage.push_back(absl::StrCat(key, "=", value));
  }
  for (std::string& arg : exec.argv_storage) exec.argv.push_back(arg.data());
  exec.argv.push_back(nullptr);
  for (std::string& entry : exec.env_storage) exec.envp.push_back(entry.data());
  exec.envp.push_back(nullptr);
  return exec;
}

[[noreturn]] void FailInChild(int error_fd, ChildError::Step step) {
  const ChildError error{step, errno};
  (void)!write(error_fd, &error, sizeof(error));
  _exit(127);
}

// Runs in the child between fork() and execve(): async-signal-safe calls only.
[[noreturn]] void RunChild(const PreparedExec& exec, const SpawnSpec& spec, pid_t parent,
                           int output_fd, int stdin_fd, int error_fd) {
  if (setpgid(0, 0) != 0) FailInChild(error_fd, ChildError::kSetup);
  if (spec.kill_on_parent_death) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) FailInChild(error_fd, ChildError::kSetup);
    // The parent may have died before prctl: then we were re-parented and no signal will
    // ever come.
    if (getppid() != parent) _exit(127);
  }
  // Handlers are reset by exec, but ignored signals and the mask are inherited: a worker
  // must not start with SIGINT ignored because the launcher ignores it.
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, nullptr);
  struct sigaction default_action;
  std::memset(&default_action, 0, sizeof(default_action));
  default_action.sa_handler = SIG_DFL;
  for (int signal_number = 1; signal_number < NSIG; ++signal_number) {
    if (signal_number == SIGKILL || signal_number == SIGSTOP) continue;
    sigaction(signal_number, &default_action, nullptr);  // EINVAL for reserved ones
  }
  if (stdin_fd >= 0 && dup2(stdin_fd, STDIN_FILENO) < 0) {
    FailInChild(error_fd, ChildError::kRedirect);
  }
  if (output_fd >= 0) {
    if (dup2(output_fd, STDOUT_FILENO) < 0 || dup2(output_fd, STDERR_FILENO) < 0) {
      FailInChild(error_fd, ChildError::kRedirect);
    }
  }
  // Descriptors some library opened without O_CLOEXEC (sockets, pipes of other
  // children) must not leak into the worker: they would keep pipes from reaching EOF.
  close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  execve(exec.path.c_str(), exec.argv.data(), exec.envp.data());
  FailInChild(error_fd, ChildError::kExec);
}

std::string DescribeChildError(const ChildError& error, const std::string& path) {
  const std::string reason = std::strerror(error.error_number);
  switch (error.step) {
    case ChildError::kExec:
      return absl::StrCat("cannot execute ", path, ": ", reason);
    case ChildError::kRedirect:
      return absl::StrCat("cannot redirect the output of ", path, ": ", reason);
    case ChildError::kSetup:
      break;
  }
  return absl::StrCat("cannot set up the process for ", path, ": ", reason);
}

absl::Status ErrnoError(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

// Reads the child's error report. OK once the pipe closes empty: exec succeeded.
absl::Status ReadChildError(int error_fd, pid_t pid, const std::string& path) {
  ChildError error{};
  ssize_t n;
  do {
    n = read(error_fd, &error, sizeof(error));
  } while (n < 0 && errno == EINTR);
  if (n == 0) return absl::OkStatus();
  // The child failed before exec and exits at once: reap it so that no zombie is left.
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (n != sizeof(error)) return absl::InternalError("lost the error report of a child");
  const std::string message = DescribeChildError(error, path);
  if (error.step == ChildError::kExec &&
      (error.error_number == ENOENT || error.error_number == EACCES)) {
    return absl::NotFoundError(message);
  }
  return absl::InternalError(message);
}

}  // namespace

absl::StatusOr<SpawnedProcess> Spawn(const SpawnSpec& spec) {
  if (spec.argv.empty()) return absl::InvalidArgumentError("Spawn: empty argv");
  absl::StatusOr<std::string> path = FindProgram(spec.argv[0]);
  if (!path.ok()) return path.status();
  const PreparedExec exec = Prepare(spec, *path);

  // Every descriptor is close-on-exec: the child dup2()s what it needs onto 0-2.
  UniqueFd output_read, output_write, stdin_fd;
  if (spec.output.kind == Output::Kind::kPipe) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return ErrnoError("pipe2");
    output_read.Reset(fds[0]);
    output_write.Reset(fds[1]);
  } else if (spec.output.kind == Output::Kind::kFile) {
    output_write.Reset(
        open(spec.output.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!output_write.valid()) {
      return ErrnoError(absl::StrCat("cannot open log file ", spec.output.path));
    }
  }
  if (!spec.inherit_stdin) {
    stdin_fd.Reset(open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!stdin_fd.valid()) return ErrnoError("cannot open /dev/null");
  }
  int error_fds[2];
  if (pipe2(error_fds, O_CLOEXEC) != 0) return ErrnoError("pipe2");
  UniqueFd error_read(error_fds[0]), error_write(error_fds[1]);

  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return ErrnoError("fork");
  if (pid == 0) {
    RunChild(exec, spec, parent, output_write.get(), stdin_fd.get(), error_write.get());
  }
  // Also from the parent, so that the group exists when Spawn returns whichever of the
  // two runs first. EACCES once the child has exec'ed is fine: it did it itself.
  setpgid(pid, pid);
  error_write.Reset();
  output_write.Reset();
  if (absl::Status status = ReadChildError(error_read.get(), pid, exec.path); !status.ok()) {
    return status;
  }
  SpawnedProcess process;
  process.pid = pid;
  process.pgid = pid;
  process.output = std::move(output_read);
  return process;
}

}  // namespace lp::internal
