#include "src/process/signal_safe_tree_kill.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>

namespace lp::internal {
namespace {

// The tree being killed, root first, parents before children. Static: nothing may be
// allocated.
pid_t g_tree[kMaxTreeSize];
int g_tree_size = 0;
// What a children file holds: up to about 9000 pids of one thread.
char g_children[64 * 1024];

// The system calls, bypassing anything libc or a sanitizer would add around them.
int Open(const char* path, int flags) {
  return static_cast<int>(syscall(SYS_openat, AT_FDCWD, path, flags | O_RDONLY | O_CLOEXEC));
}
void Close(int fd) { syscall(SYS_close, fd); }
void Signal(pid_t pid, int signal_number) { syscall(SYS_kill, pid, signal_number); }
pid_t ProcessGroupOf(pid_t pid) { return static_cast<pid_t>(syscall(SYS_getpgid, pid)); }

// Reads all of `path` (up to `capacity` bytes) into `buffer`; the size read, 0 on error.
size_t ReadFile(const char* path, char* buffer, size_t capacity) {
  const int fd = Open(path, 0);
  if (fd < 0) return 0;
  size_t size = 0;
  while (size < capacity) {
    const long n = syscall(SYS_read, fd, buffer + size, capacity - size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    size += static_cast<size_t>(n);
  }
  Close(fd);
  return size;
}

// A /proc path, built without snprintf (which may allocate).
class ProcPath {
 public:
  explicit ProcPath(pid_t pid) { Text("/proc/").Number(pid); }
  ProcPath& Text(const char* text) {
    while (*text != '\0' && size_ + 1 < sizeof(path_)) path_[size_++] = *text++;
    path_[size_] = '\0';
    return *this;
  }
  ProcPath& Number(long number) {
    char digits[24];
    int count = 0;
    do {
      digits[count++] = static_cast<char>('0' + number % 10);
      number /= 10;
    } while (number > 0 && count < 24);
    while (count > 0 && size_ + 1 < sizeof(path_)) path_[size_++] = digits[--count];
    path_[size_] = '\0';
    return *this;
  }
  const char* c_str() const { return path_; }

 private:
  char path_[96] = {};
  size_t size_ = 0;
};

// The number at `*at` (skipping what is not a digit before it), advancing past it; -1
// when there is none before `end`.
long NextNumber(const char*& at, const char* end) {
  while (at < end && (*at < '0' || *at > '9')) ++at;
  if (at == end) return -1;
  long number = 0;
  while (at < end && *at >= '0' && *at <= '9') number = number * 10 + (*at++ - '0');
  return number;
}

pid_t NextPid(const char*& at, const char* end) {
  return static_cast<pid_t>(NextNumber(at, end));
}

// Calls fn(number) for every entry of `directory` whose name is a number (a pid or tid).
template <typename Fn>
void ForEachNumberedEntry(const char* directory, Fn&& fn) {
  const int fd = Open(directory, O_DIRECTORY);
  if (fd < 0) return;
  alignas(8) char entries[4096];
  for (;;) {
    const long n = syscall(SYS_getdents64, fd, entries, sizeof(entries));
    if (n <= 0) break;
    for (long offset = 0; offset < n;) {
      // struct linux_dirent64: d_ino (8 bytes), d_off (8), d_reclen (2), d_type (1), d_name.
      unsigned short record_length;
      __builtin_memcpy(&record_length, entries + offset + 16, sizeof(record_length));
      const char* name = entries + offset + 19;
      const char* name_end = name;
      while (*name_end != '\0') ++name_end;
      const char* at = name;
      const pid_t number = NextPid(at, name_end);
      if (number > 0 && at == name_end && name[0] >= '0' && name[0] <= '9') fn(number);
      offset += record_length;
    }
  }
  Close(fd);
}

// What /proc/<pid>/stat says of a process that matters here.
struct Stat {
  char state = 0;  // R, S, D, T, t, Z, X, ...; 0 when the process is gone
  pid_t parent = -1;
  unsigned long flags = 0;  // PF_*
};

// Parses /proc/<pid>/stat. The command name may hold spaces and parentheses: the fields
// after it start after the last ')': state ppid pgrp session tty_nr tpgid flags ...
Stat StatOf(const char* stat_path) {
  char text[512];
  const size_t size = ReadFile(stat_path, text, sizeof(text));
  const char* end = text + size;
  const char* close = nullptr;
  for (const char* at = text; at < end; ++at) {
    if (*at == ')') close = at;
  }
  Stat stat;
  if (close == nullptr || close + 2 >= end) return stat;
  stat.state = close[2];
  const char* at = close + 3;
  stat.parent = NextPid(at, end);
  // pgrp, session, tty_nr, tpgid (skipping a tpgid's "-" of -1 reads its 1).
  for (int skipped = 0; skipped < 4; ++skipped) (void)NextNumber(at, end);
  const long flags = NextNumber(at, end);
  stat.flags = flags < 0 ? 0 : static_cast<unsigned long>(flags);
  return stat;
}

bool InTree(pid_t pid) {
  for (int i = 0; i < g_tree_size; ++i) {
    if (g_tree[i] == pid) return true;
  }
  return false;
}

void AddToTree(pid_t pid) {
  if (pid > 0 && g_tree_size < kMaxTreeSize && !InTree(pid)) g_tree[g_tree_size++] = pid;
}

// Adds the children of every thread of `pid`, from /proc/<pid>/task/<tid>/children.
void AddChildrenOf(pid_t pid) {
  const ProcPath tasks = ProcPath(pid).Text("/task");
  ForEachNumberedEntry(tasks.c_str(), [&](pid_t tid) {
    const size_t size = ReadFile(
        ProcPath(pid).Text("/task/").Number(tid).Text("/children").c_str(), g_children,
        sizeof(g_children));
    const char* at = g_children;
    for (pid_t child = NextPid(at, g_children + size); child > 0;
         child = NextPid(at, g_children + size)) {
      AddToTree(child);
    }
  });
}

// Without children files: adds every process whose parent is in the tree, scanning /proc
// until a scan adds none.
void AddDescendantsByParentLinks() {
  for (int scan = 0; scan < 64; ++scan) {
    const int before = g_tree_size;
    ForEachNumberedEntry("/proc", [](pid_t pid) {
      if (InTree(pid)) return;
      const Stat stat = StatOf(ProcPath(pid).Text("/stat").c_str());
      if (stat.state != 0 && InTree(stat.parent)) AddToTree(pid);
    });
    if (g_tree_size == before) return;
  }
}

bool HasChildrenFiles(pid_t pid) {
  const int fd = Open(ProcPath(pid).Text("/task/").Number(pid).Text("/children").c_str(), 0);
  if (fd < 0) return false;
  Close(fd);
  return true;
}

}  // namespace

pid_t ParentOfSignalSafe(pid_t pid) {
  const Stat stat = StatOf(ProcPath(pid).Text("/stat").c_str());
  return stat.state == 0 ? -1 : stat.parent;
}

bool IsEndingSignalSafe(pid_t pid) {
  constexpr unsigned long kExiting = 0x4;  // PF_EXITING, <linux/sched.h>
  const Stat stat = StatOf(ProcPath(pid).Text("/stat").c_str());
  return stat.state == 0 || stat.state == 'Z' || stat.state == 'X' ||
         (stat.flags & kExiting) != 0;
}

void CollectTreeSignalSafe(pid_t root) {
  g_tree_size = 0;
  AddToTree(root);
  if (HasChildrenFiles(root)) {
    for (int i = 0; i < g_tree_size; ++i) AddChildrenOf(g_tree[i]);  // and the ones added
  } else {
    AddDescendantsByParentLinks();
  }
}

void KillTreeSignalSafe(pid_t root, pid_t self) {
  if (g_tree_size == 0 || g_tree[0] != root) {
    g_tree_size = 0;
    AddToTree(root);
  }
  // The members collected earlier may have lost their parents meanwhile: walk from all.
  const bool children_files = HasChildrenFiles(root) || HasChildrenFiles(self);
  for (int round = 0; round < 10; ++round) {
    const int before = g_tree_size;
    if (children_files) {
      for (int i = 0; i < g_tree_size; ++i) AddChildrenOf(g_tree[i]);  // and the ones added
    } else {
      AddDescendantsByParentLinks();
    }
    // New members, and in the first round the ones collected earlier.
    for (int i = round == 0 ? 1 : before; i < g_tree_size; ++i) {
      if (g_tree[i] != self) Signal(g_tree[i], SIGSTOP);
    }
    if (round > 0 && g_tree_size == before) break;
  }
  // Children before their parents (the tree was collected parents first): a parent dying
  // first would orphan a process group with stopped members, and the kernel would answer
  // with SIGHUP and SIGCONT to that group, waking what we froze.
  for (int i = g_tree_size - 1; i >= 1; --i) {
    const pid_t pid = g_tree[i];
    if (pid == self) continue;
    if (ProcessGroupOf(pid) == pid) Signal(-pid, SIGKILL);
    Signal(pid, SIGKILL);
  }
  const bool root_leads_its_group = ProcessGroupOf(root) == root;
  Signal(root, SIGKILL);
  if (root_leads_its_group) Signal(-root, SIGKILL);
}

}  // namespace lp::internal
