#include "src/process/die_with_parent.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "src/process/signal_safe_tree_kill.h"

namespace lp::internal {
namespace {

// Set up before the signal can come; read by the handler and the executioner.
constexpr size_t kExecutionerStackBytes = 256 * 1024;
void* g_executioner_stack = nullptr;
pid_t g_process = -1;
pid_t g_parent = -1;  // when the parent-death signal was armed
pid_t g_grandparent = -1;  // WatchGrandparentToo's launcher, or -1
std::atomic<bool> g_fired{false};

// The executioner: a process of its own sharing our memory (clone(CLONE_VM): starting it
// copies nothing, and it needs only what was prepared here). Async-signal-safe calls only:
// our threads may hold the allocator's locks.
int Executioner(void*) {
  sigset_t all;
  sigfillset(&all);
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, nullptr, _NSIG / 8);
  // Known now, in case some of them lose their parent meanwhile.
  CollectTreeSignalSafe(g_process);
  // The signal comes when the first of the launcher's threads ends; we are re-parented
  // when the last one has. Waiting for that: before it, a process of our group that we
  // stopped would make the kernel send SIGHUP and SIGCONT to the whole group (it becomes
  // orphaned with a stopped member), killing this process before its tree.
  const timespec one_ms{0, 1'000'000};
  for (int waited_ms = 0; waited_ms < 5000 && ParentOfSignalSafe(g_process) == g_parent;
       ++waited_ms) {
    syscall(SYS_nanosleep, &one_ms, nullptr);
  }
  KillTreeSignalSafe(g_process, static_cast<pid_t>(syscall(SYS_getpid)));
  syscall(SYS_exit_group, 0);  // reached when this process was in no group of ours
  return 0;
}

// Starts the executioner, once.
void OnParentDeath(int) {
  if (g_fired.exchange(true)) return;
  const int saved_errno = errno;
  // Not on this thread: our other threads run on meanwhile, and one of them may end the
  // process (the launcher's death also broke its connection, which stops the node):
  // the kill would stop half-way and orphan the rest of the children. The executioner
  // is a process apart; our exit waits for it (WaitForTreeKillIfParentDied).
  // CLONE_VFORK suspends this thread until the executioner is done: it runs on this
  // thread's thread-local storage (errno, a sanitizer's state), which must not be used
  // by both at once.
  char* const stack_top = static_cast<char*>(g_executioner_stack) + kExecutionerStackBytes;
  if (clone(Executioner, stack_top, CLONE_VM | CLONE_VFORK | SIGCHLD, nullptr) < 0) {
    // Cannot start it: take at least our process group (the children still in it).
    if (getpgrp() == getpid()) kill(0, SIGKILL);
    kill(getpid(), SIGKILL);
  }
  errno = saved_errno;
}

// Keeps a read end of our stdout and stderr when they are pipes (the launcher reads the
// other end). When the launcher dies, its read end closes with it, and the next line this
// process prints would kill it with SIGPIPE, before its tree could be killed and the
// tree's links lost; a write now fills the pipe instead, and blocks once it is full. Not
// SIGPIPE ignored: that would change what the nodes' own pipes do.
void HoldOutputPipesOpen() {
  for (const int fd : {STDOUT_FILENO, STDERR_FILENO}) {
    struct stat status;
    if (fstat(fd, &status) != 0 || !S_ISFIFO(status.st_mode)) continue;
    const std::string path = absl::StrCat("/proc/self/fd/", fd);
    // Leaked on purpose: held for the life of the process. Failing is harmless.
    (void)open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  }
}

absl::Status ErrnoError(const char* what) {
  return absl::InternalError(absl::StrCat("cannot arrange for this worker's processes to "
                                          "end with its launcher: ",
                                          what, ": ", std::strerror(errno)));
}

}  // namespace

int ParentDeathSignal() { return SIGRTMAX - 3; }

absl::Status KillOwnTreeWhenParentDies() {
  static std::atomic<bool> called{false};
  if (called.exchange(true)) {
    return absl::FailedPreconditionError("KillOwnTreeWhenParentDies was already called");
  }
  g_process = getpid();
  g_executioner_stack = mmap(nullptr, kExecutionerStackBytes, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (g_executioner_stack == MAP_FAILED) return ErrnoError("mmap");
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = OnParentDeath;
  sigfillset(&action.sa_mask);  // nothing interrupts the handler
  action.sa_flags = SA_RESTART;
  if (sigaction(ParentDeathSignal(), &action, nullptr) != 0) return ErrnoError("sigaction");
  // The calling thread lives as long as the process and now never blocks the signal: a
  // program that blocks every signal in its own threads (to sigwait() for them) still
  // receives it, there.
  sigset_t parent_death;
  sigemptyset(&parent_death);
  sigaddset(&parent_death, ParentDeathSignal());
  if (const int error = pthread_sigmask(SIG_UNBLOCK, &parent_death, nullptr); error != 0) {
    errno = error;
    return ErrnoError("pthread_sigmask");
  }
  HoldOutputPipesOpen();
  // Armed last: when the signal comes, the handler is in place.
  g_parent = getppid();
  if (prctl(PR_SET_PDEATHSIG, ParentDeathSignal()) != 0) return ErrnoError("prctl");
  // The parent may have died before prctl: then we were re-parented and no signal will
  // ever come.
  if (getppid() != g_parent) kill(getpid(), ParentDeathSignal());
  return absl::OkStatus();
}

void WatchGrandparentToo(pid_t launcher) { g_grandparent = launcher; }

void WaitForTreeKillIfParentDied() {
  if (g_process != getpid()) return;  // not armed in this process
  // The parent's threads end one by one; its connections break when the last has ended
  // its files, and we are re-parented only after that: a worker whose node stopped on
  // the broken connection may get here before either the signal or the re-parenting.
  const bool parent_lives = getppid() == g_parent && !IsEndingSignalSafe(g_parent);
  const bool grandparent_lives = g_grandparent <= 0 ||
                                 (ParentOfSignalSafe(g_parent) == g_grandparent &&
                                  !IsEndingSignalSafe(g_grandparent));
  if (!g_fired.load() && parent_lives && grandparent_lives) return;
  OnParentDeath(0);  // in case the signal is still on its way
  for (;;) pause();  // until the executioner's SIGKILL
}

}  // namespace lp::internal
