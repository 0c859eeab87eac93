#ifndef LP_SRC_PROCESS_SIGNAL_SAFE_TREE_KILL_H_
#define LP_SRC_PROCESS_SIGNAL_SAFE_TREE_KILL_H_

#include <sys/types.h>

namespace lp::internal {

// KillProcessTree(root, SIGKILL) (process_tree.h) for places where almost nothing is
// allowed: a signal handler, or a child sharing the memory of a process whose threads
// may hold the allocator's locks. It uses system calls (through syscall(), so no
// sanitizer interceptor runs either) and static storage only.
//
//   1. Collect root's descendants, from /proc/<pid>/task/<tid>/children (or, on kernels
//      without those files, from the parent of every process in /proc/<pid>/stat) and
//      SIGSTOP them; again until no new one appears (at most ten rounds).
//   2. SIGKILL every descendant, children before parents, and the process group of each
//      that leads one.
//   3. SIGKILL `root`, and its process group when it leads one.
// `root` itself is not stopped: SIGSTOP on a process whose group is about to be orphaned
// (its parent dying) makes the kernel send SIGHUP and SIGCONT to the group, which kills
// or wakes it at the wrong moment. `self`, the caller, is never stopped; it is killed in
// step 3 if it is in root's group. At most kMaxTreeSize processes are collected; more
// are left alone.
//
// Thread safety: one caller at a time per process (the storage is static).
void KillTreeSignalSafe(pid_t root, pid_t self);

// Collects root's descendants now, stopping nothing, for a KillTreeSignalSafe(root, ...)
// that has to wait before it may stop them: a descendant whose parent ends meanwhile is
// still known then (found by parent links later, it would not be).
void CollectTreeSignalSafe(pid_t root);

inline constexpr int kMaxTreeSize = 4096;

// The parent pid of `pid` from /proc/<pid>/stat, -1 when it is gone; async-signal-safe.
pid_t ParentOfSignalSafe(pid_t pid);

// Whether `pid` is gone, a zombie, or on its way out (its main thread is in exit(): a
// SIGKILLed multi-threaded process takes a while to end); async-signal-safe.
bool IsEndingSignalSafe(pid_t pid);

}  // namespace lp::internal

#endif  // LP_SRC_PROCESS_SIGNAL_SAFE_TREE_KILL_H_
