#include "src/process/spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <sched.h>
#include <sys/mman.h>
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
#include "src/process/open_file_limit.h"

extern char** environ;

namespace lp::internal {
namespace {

// What the child writes to the error pipe when a step before or at exec fails.
struct ChildError {
  enum Step : int { kSetup = 1, kRedirect = 2, kExec = 3 } step;
  int error_number;
};

// Everything the child needs, built before the child starts: between its start and its
// exec only async-signal-safe calls are allowed, so no allocation happens there.
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

// Runs in the child until execve(): async-signal-safe calls only, and no writes to the
// launcher's memory (the child shares it, see StartChild) beyond its own stack.
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
  // must not start with SIGINT ignored because the launcher ignores it. Dispositions
  // first, the mask after: the child shares the launcher's memory until it execs (see
  // StartChild), so none of the launcher's handlers may run in it.
  struct sigaction default_action;
  std::memset(&default_action, 0, sizeof(default_action));
  default_action.sa_handler = SIG_DFL;
  for (int signal_number = 1; signal_number < NSIG; ++signal_number) {
    if (signal_number == SIGKILL || signal_number == SIGSTOP) continue;
    sigaction(signal_number, &default_action, nullptr);  // EINVAL for reserved ones
  }
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, nullptr);
  if (stdin_fd >= 0 && dup2(stdin_fd, STDIN_FILENO) < 0) {
    FailInChild(error_fd, ChildError::kRedirect);
  }
  if (output_fd >= 0) {
    if (dup2(output_fd, STDOUT_FILENO) < 0 || dup2(output_fd, STDERR_FILENO) < 0) {
      FailInChild(error_fd, ChildError::kRedirect);
    }
  }
  unsigned int first_closed = 3;
  if (spec.passed_fd >= 0) {
    // The error pipe must not be overwritten: it moves up first.
    if (error_fd == kPassedFd) {
      error_fd = fcntl(error_fd, F_DUPFD_CLOEXEC, kPassedFd + 1);
      if (error_fd < 0) _exit(127);
    }
    const bool kept = spec.passed_fd == kPassedFd ? fcntl(kPassedFd, F_SETFD, 0) == 0
                                                  : dup2(spec.passed_fd, kPassedFd) >= 0;
    if (!kept) FailInChild(error_fd, ChildError::kRedirect);
    first_closed = kPassedFd + 1;
  }
  // Descriptors some library opened without O_CLOEXEC (sockets, pipes of other
  // children) must not leak into the worker: they would keep pipes from reaching EOF.
  close_range(first_closed, ~0U, CLOSE_RANGE_CLOEXEC);
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
  if (IsOutOfDescriptors(errno)) return OutOfDescriptorsError(what, errno);
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

// What RunChild needs, passed through clone().
struct ChildArguments {
  const PreparedExec* exec;
  const SpawnSpec* spec;
  pid_t parent;
  int output_fd, stdin_fd, error_fd;
};

// Starts the child running RunChild. Returns its pid, or -1 with errno set.
//
// Not fork(): the launcher is a large multi-threaded process, and fork() copies its page
// tables and makes every page it writes afterwards fault (copy-on-write) — per worker.
// clone(CLONE_VM | CLONE_VFORK) shares the memory instead and suspends the calling thread
// until the child has exec'ed (or exited), as posix_spawn does; posix_spawn itself cannot
// set PR_SET_PDEATHSIG. The child runs on its own stack; all signals are blocked around
// the clone so that no handler of the launcher runs in the child before RunChild resets
// them. Sanitizer runtimes do not follow a CLONE_VM child: those builds fork().
pid_t StartChild(ChildArguments& arguments) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  const pid_t pid = fork();
  if (pid == 0) {
    RunChild(*arguments.exec, *arguments.spec, arguments.parent, arguments.output_fd,
             arguments.stdin_fd, arguments.error_fd);
  }
  return pid;
#else
  constexpr size_t kChildStackBytes = 256 * 1024;
  void* stack = mmap(nullptr, kChildStackBytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) return -1;
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  const pid_t pid = clone(
      [](void* raw) -> int {
        auto* args = static_cast<ChildArguments*>(raw);
        RunChild(*args->exec, *args->spec, args->parent, args->output_fd, args->stdin_fd,
                 args->error_fd);
      },
      static_cast<char*>(stack) + kChildStackBytes, CLONE_VM | CLONE_VFORK | SIGCHLD,
      &arguments);
  const int clone_errno = errno;
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  munmap(stack, kChildStackBytes);  // the child has exec'ed or exited: CLONE_VFORK
  errno = clone_errno;
  return pid;
#endif
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
    if (pipe2(fds, O_CLOEXEC) != 0) return ErrnoError("cannot create the output pipe");
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
  if (pipe2(error_fds, O_CLOEXEC) != 0) return ErrnoError("cannot create the error pipe");
  UniqueFd error_read(error_fds[0]), error_write(error_fds[1]);

  ChildArguments arguments{&exec,           &spec,         getpid(), output_write.get(),
                           stdin_fd.get(), error_write.get()};
  const pid_t pid = StartChild(arguments);
  if (pid < 0) return ErrnoError("cannot start a process");
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
