#include "bench/rpc/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/time/clock.h"

namespace lp::bench {
namespace {

void MakePipe(int fds[2]) {
  if (pipe2(fds, O_CLOEXEC) != 0) Die(std::string("pipe2: ") + std::strerror(errno));
}

}  // namespace

void Die(const std::string& what) {
  std::fprintf(stderr, "bench_rpc: %s\n", what.c_str());
  std::abort();
}

ChildProcess::ChildProcess(std::string what, std::vector<std::string> args)
    : what_(std::move(what)) {
  // Everything the child needs is prepared before fork: a child of a multithreaded
  // process may only make async-signal-safe calls until it execs.
  std::vector<char*> argv = {const_cast<char*>("bench_rpc")};
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  int stdin_pipe[2];
  int stdout_pipe[2];
  MakePipe(stdin_pipe);
  MakePipe(stdout_pipe);

  pid_ = fork();
  if (pid_ < 0) Die(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    // dup2 clears close-on-exec on 0 and 1; every other descriptor (gRPC's sockets of
    // this process included) is closed.
    if (dup2(stdin_pipe[0], 0) < 0 || dup2(stdout_pipe[1], 1) < 0) _exit(126);
    syscall(SYS_close_range, 3U, ~0U, 0U);
    // Dies with the parent; if the parent already died, getppid() has changed.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(126);
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  close(stdin_pipe[0]);
  close(stdout_pipe[1]);
  to_child_ = stdin_pipe[1];
  from_child_ = fdopen(stdout_pipe[0], "r");
  if (from_child_ == nullptr) Die(std::string("fdopen: ") + std::strerror(errno));
}

ChildProcess::~ChildProcess() {
  close(to_child_);
  std::fclose(from_child_);
  const absl::Time give_up = absl::Now() + absl::Seconds(5);
  while (waitpid(pid_, nullptr, WNOHANG) == 0) {
    if (absl::Now() > give_up) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      return;
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
}

std::string ChildProcess::ReadLine() {
  char* line = nullptr;
  size_t capacity = 0;
  const ssize_t length = getline(&line, &capacity, from_child_);
  if (length <= 0) {
    std::free(line);
    Die("the " + what_ + " (pid " + std::to_string(pid_) + ") ended");
  }
  std::string text(line, static_cast<size_t>(length));
  std::free(line);
  if (text.back() == '\n') text.pop_back();
  return text;
}

std::string ChildProcess::Ask(std::string_view request) {
  std::string line(request);
  line += '\n';
  if (write(to_child_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    Die("cannot write to the " + what_ + ": " + std::strerror(errno));
  }
  return ReadLine();
}

void AnswerLine(const std::string& line) {
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace lp::bench
