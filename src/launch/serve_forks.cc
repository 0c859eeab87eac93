#include "src/launch/serve_forks.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "src/core/worker_environment.h"
#include "src/launch/fork_server_protocol.h"
#include "src/process/die_with_parent.h"

namespace lp::internal {
namespace {

[[maybe_unused]] int CountThreads() {  // unused under TSan (below)
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) return -1;
  int count = 0;
  while (const dirent* entry = readdir(tasks)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(tasks);
  return count;
}

// Why this process cannot fork workers; empty when it can.
std::string WhyNotForkable() {
#if defined(__SANITIZE_THREAD__)
  return kNoForkServerUnderTsan;
#else
  const int threads = CountThreads();
  if (threads == 1) return "";
  if (threads < 0) return "cannot count this process's threads in /proc/self/task";
  return absl::StrCat("main() had started ", threads - 1,
                      " other thread(s) when it reached lp::Launch");
#endif
}

// The process state a forked worker gets back: what main() left, before the server
// changed it to serve.
struct SavedState {
  sigset_t mask;
  struct sigaction child_action;
};

// Runs in the forked worker, the only thread of a copy of the single-threaded server.
void BecomeWorker(ForkMessage& request, const SavedState& saved, int socket, int signals,
                  pid_t server, pid_t launcher) {
  close(socket);
  close(signals);
  // As in Spawn: a group of its own, and no life beyond the server's until the worker
  // arms its own parent-death handling (RunWorker). The parent may have died already.
  setpgid(0, 0);
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != server) _exit(127);
  sigaction(SIGCHLD, &saved.child_action, nullptr);
  sigprocmask(SIG_SETMASK, &saved.mask, nullptr);
  if (request.fd.valid()) {
    if (dup2(request.fd.get(), STDOUT_FILENO) < 0 || dup2(request.fd.get(), STDERR_FILENO) < 0) {
      std::fprintf(stderr, "lp: fork server: cannot redirect a worker's output: %s\n",
                   std::strerror(errno));
      _exit(127);
    }
    request.fd.Reset();
  }
  for (const auto& [key, value] : DecodeEnvironment(request.text)) {
    setenv(key.c_str(), value.c_str(), 1);
  }
  // Kept open, close-on-exec, for the worker's CoordinatorClient (which also removes the
  // variable, so that no process the node starts looks for it).
  if (request.coordinator.valid()) {
    setenv(kCoordinatorFdEnv, absl::StrCat(request.coordinator.Release()).c_str(), 1);
  }
  WatchGrandparentToo(launcher);
}

// Reports every child that ended since the last call.
void ReportEndedChildren(int socket) {
  for (;;) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    ForkMessage ended{.type = ForkMessage::kExited, .pid = pid, .value = status};
    if (!SendForkMessage(socket, ended).ok()) _exit(0);  // the launcher is gone
  }
}

}  // namespace

bool IsForkServer() { return std::getenv(kForkServerFdEnv) != nullptr; }

void ServeForks() {
  int socket = -1;
  const bool parsed = absl::SimpleAtoi(std::getenv(kForkServerFdEnv), &socket);
  unsetenv(kForkServerFdEnv);
  if (std::getenv(kForkServerBindsNowEnv) != nullptr) {
    unsetenv("LD_BIND_NOW");  // the loader has read it: the workers need not
    unsetenv(kForkServerBindsNowEnv);
  }
  if (!parsed || fcntl(socket, F_SETFD, FD_CLOEXEC) != 0) {
    std::fprintf(stderr, "lp: fork server: no socket to the launcher in %s\n", kForkServerFdEnv);
    _exit(2);
  }
  const pid_t server = getpid();
  const pid_t launcher = getppid();
  if (const std::string why = WhyNotForkable(); !why.empty()) {
    (void)SendForkMessage(socket, {.type = ForkMessage::kUnavailable, .text = why});
    _exit(0);
  }
  // Children's ends arrive on a descriptor, beside the requests. SIGCHLD must not be
  // ignored here (the kernel would reap them, and their statuses would be lost).
  SavedState saved;
  sigset_t child_signal;
  sigemptyset(&child_signal);
  sigaddset(&child_signal, SIGCHLD);
  // The requests to end are the launcher's to act on: a `kill` or `pkill` of every
  // process of the program must not take the server, and the exit statuses it would still
  // report, down before the workers. (A forked child gets an empty pending set.)
  sigset_t blocked = child_signal;
  for (const int signal_number : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
    sigaddset(&blocked, signal_number);
  }
  sigprocmask(SIG_BLOCK, &blocked, &saved.mask);
  struct sigaction default_action;
  std::memset(&default_action, 0, sizeof(default_action));
  default_action.sa_handler = SIG_DFL;
  sigaction(SIGCHLD, &default_action, &saved.child_action);
  const int signals = signalfd(-1, &child_signal, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signals < 0) {
    (void)SendForkMessage(socket, {.type = ForkMessage::kUnavailable,
                                   .text = absl::StrCat("signalfd: ", std::strerror(errno))});
    _exit(0);
  }
  // What main() printed but did not flush would be printed again by every worker. Once
  // is enough (the server prints nothing more), and flushing before every fork would
  // write to pages the last worker shares, a copy-on-write fault each.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  if (!SendForkMessage(socket, {.type = ForkMessage::kReady}).ok()) _exit(0);

  for (;;) {
    pollfd ready[2] = {{socket, POLLIN, 0}, {signals, POLLIN, 0}};
    if (poll(ready, 2, -1) < 0) {
      if (errno == EINTR) continue;
      _exit(2);
    }
    if (ready[1].revents != 0) {
      signalfd_siginfo info;
      while (read(signals, &info, sizeof(info)) > 0) {
      }
      ReportEndedChildren(socket);
    }
    if (ready[0].revents == 0) continue;
    absl::StatusOr<std::optional<ForkMessage>> request = ReceiveForkMessage(socket);
    // The launcher closed its end (or died): the workers still running are killed by
    // their parent-death handling once this process is gone.
    if (!request.ok() || !request->has_value()) _exit(0);
    if ((*request)->type != ForkMessage::kFork) continue;
    const pid_t pid = fork();
    if (pid == 0) {
      BecomeWorker(**request, saved, socket, signals, server, launcher);
      return;
    }
    ForkMessage reply;
    if (pid < 0) {
      reply = {.type = ForkMessage::kForkFailed, .value = errno,
               .text = absl::StrCat("cannot fork a worker: ", std::strerror(errno))};
    } else {
      setpgid(pid, pid);  // also here, so that the group exists when the launcher hears of it
      reply = {.type = ForkMessage::kForked, .pid = pid};
    }
    if (!SendForkMessage(socket, reply).ok()) _exit(0);
  }
}

}  // namespace lp::internal
