#include "bench/rpc/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "absl/time/clock.h"
#include "bench/rpc/placement.h"

namespace lp::bench {
namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "bench_rpc server process: %s\n", what.c_str());
  std::abort();
}

void MakePipe(int fds[2]) {
  if (pipe2(fds, O_CLOEXEC) != 0) Die(std::string("pipe2: ") + std::strerror(errno));
}

}  // namespace

ServerProcess::ServerProcess(Side side) {
  // Everything the child needs is prepared before fork: a child of a multithreaded
  // process may only make async-signal-safe calls until it execs.
  const std::string serve = "--serve=" + std::string(SideFlag(side));
  char* const argv[] = {const_cast<char*>("bench_rpc"), const_cast<char*>(serve.c_str()),
                        nullptr};
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
    execv("/proc/self/exe", argv);
    _exit(127);
  }
  close(stdin_pipe[0]);
  close(stdout_pipe[1]);
  to_child_ = stdin_pipe[1];
  from_child_ = fdopen(stdout_pipe[0], "r");
  if (from_child_ == nullptr) Die(std::string("fdopen: ") + std::strerror(errno));

  const std::string first = ReadLine();
  const size_t space = first.find(' ');
  port_ = std::atoi(first.substr(0, space).c_str());
  if (port_ <= 0 || space == std::string::npos) {
    Die("unexpected first line from " + serve + ": " + first);
  }
  placement_ = first.substr(space + 1, first.size() - space - 2);  // without the newline
}

ServerProcess::~ServerProcess() {
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

ProcessUsage ServerProcess::UsageSoFar() {
  static constexpr std::string_view kRequest = "usage\n";
  if (write(to_child_, kRequest.data(), kRequest.size()) !=
      static_cast<ssize_t>(kRequest.size())) {
    Die(std::string("cannot ask for the server's usage: ") + std::strerror(errno));
  }
  const std::string line = ReadLine();
  ProcessUsage usage;
  if (std::sscanf(line.c_str(), "%lf %ld %ld %ld", &usage.cpu_seconds, &usage.page_faults,
                  &usage.context_switches, &usage.mallocs) != 4) {
    Die("unexpected answer from the server process: " + line);
  }
  return usage;
}

std::string ServerProcess::ReadLine() {
  char* line = nullptr;
  size_t capacity = 0;
  const ssize_t length = getline(&line, &capacity, from_child_);
  if (length <= 0) {
    std::free(line);
    Die("the server process (pid " + std::to_string(pid_) + ") ended");
  }
  std::string text(line, static_cast<size_t>(length));
  std::free(line);
  return text;
}

int ServeUntilStdinCloses(Side side) {
  std::unique_ptr<EchoServer> server = StartEchoServer(side);
  std::printf("%d %s\n", server->port(), ThreadPlacement().c_str());
  std::fflush(stdout);
  for (std::string request; std::getline(std::cin, request);) {
    if (request != "usage") {
      std::fprintf(stderr, "bench_rpc --serve: unknown request '%s'\n", request.c_str());
      return 2;
    }
    const ProcessUsage usage = ProcessUsageSoFar();
    std::printf("%.6f %ld %ld %ld\n", usage.cpu_seconds, usage.page_faults,
                usage.context_switches, usage.mallocs);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace lp::bench
