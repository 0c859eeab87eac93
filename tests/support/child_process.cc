#include "tests/support/child_process.h"

#include <fcntl.h>
#include <pty.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

extern char** environ;

namespace lp::testing {

ChildProcess::ChildProcess(std::vector<std::string> argv, std::vector<std::string> env,
                           Output output) {
  int fds[2];  // [0] read by the test, [1] the child's stdout and stderr
  if (output == Output::kTerminal) {
    // A pseudo-terminal's master side reads what its slave side (the child) writes; once
    // the child and its descendants have closed the slave, reads end with EIO.
    if (openpty(&fds[0], &fds[1], nullptr, nullptr, nullptr) != 0) {
      throw std::runtime_error("openpty failed");
    }
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
  } else if (pipe2(fds, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe2 failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // A fresh process group, so signals meant for the test runner do not reach the child.
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);

  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) environment.emplace_back(*entry);
  for (std::string& entry : env) environment.push_back(std::move(entry));
  std::vector<char*> argv_ptrs, env_ptrs;
  for (std::string& arg : argv) argv_ptrs.push_back(arg.data());
  for (std::string& entry : environment) env_ptrs.push_back(entry.data());
  argv_ptrs.push_back(nullptr);
  env_ptrs.push_back(nullptr);

  const int error = posix_spawn(&pid_, argv_ptrs[0], &actions, &attributes, argv_ptrs.data(),
                                env_ptrs.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  close(fds[1]);
  output_fd_ = fds[0];
  if (error != 0) {
    close(output_fd_);
    throw std::runtime_error(absl::StrCat("cannot start ", argv[0], ": errno ", error));
  }
}

ChildProcess::~ChildProcess() {
  if (!status_.has_value() && pid_ > 0) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  if (output_fd_ >= 0) close(output_fd_);
}

bool ChildProcess::ReadSome(absl::Duration timeout) {
  if (output_fd_ < 0) return false;
  pollfd poll_fd{output_fd_, POLLIN, 0};
  const int64_t millis = absl::ToInt64Milliseconds(timeout);
  const int ready = poll(&poll_fd, 1, static_cast<int>(std::min<int64_t>(millis, INT_MAX)));
  if (ready <= 0) return true;
  char buffer[4096];
  const ssize_t n = read(output_fd_, buffer, sizeof(buffer));
  if (n > 0) {
    output_.append(buffer, static_cast<size_t>(n));
    return true;
  }
  if (n < 0 && errno == EINTR) return true;
  close(output_fd_);
  output_fd_ = -1;
  return false;
}

bool ChildProcess::WaitForOutput(const std::string& text, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (output_.find(text) == std::string::npos) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    if (!ReadSome(left)) return output_.find(text) != std::string::npos;
  }
  return true;
}

std::string ChildProcess::WaitForMatch(const std::string& pattern, absl::Duration timeout) {
  const std::regex wanted(pattern);
  const absl::Time deadline = absl::Now() + timeout;
  std::smatch match;
  while (!std::regex_search(output_, match, wanted)) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration() || !ReadSome(left)) {
      if (std::regex_search(output_, match, wanted)) break;
      return "";
    }
  }
  return match.size() > 1 ? match[1].str() : match[0].str();
}

void ChildProcess::Signal(int signal_number) { kill(pid_, signal_number); }

std::optional<int> ChildProcess::WaitForExit(absl::Duration timeout) {
  if (status_.has_value()) return status_;
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      status_ = status;
      // Collect what is still buffered, without waiting for descendants that may hold
      // the pipe open.
      while (output_fd_ >= 0 && ReadSome(absl::Milliseconds(50)) && HasPendingOutput()) {
      }
      return status_;
    }
    if (absl::Now() >= deadline) return std::nullopt;
    // Keep reading meanwhile: a child blocked on a full pipe would never exit.
    if (!ReadSome(absl::Milliseconds(20))) absl::SleepFor(absl::Milliseconds(10));
  }
}

namespace {

// `pid` and its descendants, parents before children, from /proc/<pid>/task/*/children.
std::vector<pid_t> ProcessTree(pid_t pid) {
  std::vector<pid_t> tree = {pid};
  for (size_t next = 0; next < tree.size(); ++next) {
    const std::string tasks = absl::StrCat("/proc/", tree[next], "/task");
    std::error_code error;
    for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
      std::ifstream children(task.path() / "children");
      for (pid_t child = 0; children >> child;) tree.push_back(child);
    }
  }
  return tree;
}

// What `command` prints (stdout and stderr).
std::string OutputOf(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return absl::StrCat("cannot run: ", command, "\n");
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof(buffer), pipe)) > 0;) output.append(buffer, n);
  pclose(pipe);
  return output;
}

}  // namespace

std::string ChildProcess::Stacks() const {
  if (status_.has_value() || pid_ <= 0) return "";
  if (OutputOf("command -v gdb").empty()) {
    return "(gdb is not installed: no stacks; scripts/install_deps.sh installs it)\n";
  }
  std::string stacks;
  for (const pid_t pid : ProcessTree(pid_)) {
    absl::StrAppend(&stacks, "==== stacks of process ", pid, "\n",
                    OutputOf(absl::StrCat("gdb -batch -nx -p ", pid,
                                          " -ex 'thread apply all bt' < /dev/null")));
  }
  return stacks;
}

bool ChildProcess::HasPendingOutput() const {
  if (output_fd_ < 0) return false;
  pollfd poll_fd{output_fd_, POLLIN, 0};
  return poll(&poll_fd, 1, 0) > 0;
}

std::string BuildDir() {
  char path[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) return ".";
  std::string exe(path, static_cast<size_t>(n));
  // Test binaries live in build/tests/<area>/.
  for (int up = 0; up < 3; ++up) exe = exe.substr(0, exe.rfind('/'));
  return exe;
}

}  // namespace lp::testing
