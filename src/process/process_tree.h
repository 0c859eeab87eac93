#ifndef LP_SRC_PROCESS_PROCESS_TREE_H_
#define LP_SRC_PROCESS_PROCESS_TREE_H_

#include <sys/types.h>

#include <vector>

namespace lp::internal {

// Every live descendant of `pid` (children, grandchildren, ...), found by following the
// parent links in /proc/<pid>/stat. Unlike the process group, this also finds
// descendants that left the group with setsid() or setpgid(). Not `pid` itself.
std::vector<pid_t> Descendants(pid_t pid);

// Sends `signal` to `pid`, to its process group when it leads one, and to every
// descendant. The descendants are collected *before* signalling: a killed parent's
// children are re-parented (to init or a subreaper) and could no longer be found.
//
// For SIGKILL the tree is first frozen with SIGSTOP, collecting again until no new
// process appears, so that a process forking in a loop cannot leave a child behind.
//
// Never signals the caller's own process group, even when `pid` shares it.
// Thread safety: may be called from any thread.
void KillProcessTree(pid_t pid, int signal);

// KillProcessTree for every pid of `roots` at once. The trees are found with one scan of
// /proc per round, not one per root: a scan reads the stat file of every process on the
// machine, so killing 1000 workers one by one read about 2 million files (10 s on 2 cores,
// while the stragglers it was meant to end kept running).
void KillProcessTrees(const std::vector<pid_t>& roots, int signal);

}  // namespace lp::internal

#endif  // LP_SRC_PROCESS_PROCESS_TREE_H_
