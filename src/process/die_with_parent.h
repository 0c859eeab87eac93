#ifndef LP_SRC_PROCESS_DIE_WITH_PARENT_H_
#define LP_SRC_PROCESS_DIE_WITH_PARENT_H_

#include <sys/types.h>

#include "absl/status/status.h"

namespace lp::internal {

// Makes the calling process, when its parent dies, kill every process it started and
// then itself: a worker whose launcher was SIGKILLed must not leave its node's children
// running.
//
// Why not the SIGKILL that Spawn's kill_on_parent_death sends: a SIGKILLed worker can do
// nothing more, and its children, orphaned, live on. So the parent-death signal becomes
// ParentDeathSignal() (PR_SET_PDEATHSIG). Its handler starts an "executioner": a process
// apart, sharing our memory (clone(CLONE_VM): nothing is copied), which
//   1. collects our descendants at once (one whose parent ends meanwhile stays known),
//   2. waits until the parent is entirely gone (see die_with_parent.cc for why),
//   3. freezes and kills every descendant, found through parent links, so also the
//      ones that moved to another process group or session, and
//   4. SIGKILLs this process and, when it leads one (Spawn makes every worker a group
//      leader), its process group: the orphans whose parent already ended but that
//      stayed in the group. See KillTreeSignalSafe.
// Meanwhile this process must stay alive, or its children become orphans nobody can
// find: its node, told to stop because the launcher's connection broke too, may return,
// so its exit calls WaitForTreeKillIfParentDied; and it keeps a read end of its output
// pipe, so that printing after the launcher's read end closed does not kill it with
// SIGPIPE (the output waits in the pipe, and a write blocks once it is full).
// What escapes: a process that left the group (setsid, setpgid) *and* whose parent has
// ended, such as a daemon; stopping those is the node's own job.
//
// Limits, and why:
// - PR_SET_PDEATHSIG is per thread: call this on the thread that was exec'ed (main()).
//   Called on another thread, the spawner's SIGKILL still reaches the main thread first
//   and the children are left behind, as without this call.
// - The signal must reach a thread that does not block it: the calling thread unblocks
//   it for itself, so it must live as long as the process (a worker's main thread, which
//   never leaves RunWorker). A program that blocks every signal in its other threads is
//   then still served, with no thread spent on listening (a launch of many workers pays
//   for every thread). A program must not install its own handler for
//   ParentDeathSignal().
// - Also useful under a wrapper that forks (gdb): the worker's parent is then the
//   wrapper, which dies with the launcher.
//
// Thread safety: call once per process; a second call returns an error.
absl::Status KillOwnTreeWhenParentDies();

// Call right before a process armed with KillOwnTreeWhenParentDies() ends itself (the
// worker's _exit). If its parent has died or is dying, the tree kill needs this process
// alive until it is done (its children would be orphaned, and could not be found): then
// it starts the kill if the signal has not yet, and waits to be killed, never returning.
// Otherwise it returns at once. Thread safety: may be called from any thread.
void WaitForTreeKillIfParentDied();

// For a worker forked by a fork server (src/launch/fork_server.h), whose parent is the
// server and whose grandparent, `launcher`, is the process it must die with. The server
// dies with the launcher, but a moment later (its own parent-death SIGKILL): a worker
// whose node returned on the launcher's broken connection in that moment must still wait
// for the tree kill. So WaitForTreeKillIfParentDied also counts the launcher ending, or
// the server losing it, as the parent's death. Call before KillOwnTreeWhenParentDies.
// Thread safety: call once, before other threads exist.
void WatchGrandparentToo(pid_t launcher);

// The parent-death signal KillOwnTreeWhenParentDies() installs: SIGRTMAX - 3, a real-time
// signal that libraries leave alone. Its default action ends the process, so before the
// handler is installed it still kills.
int ParentDeathSignal();

}  // namespace lp::internal

#endif  // LP_SRC_PROCESS_DIE_WITH_PARENT_H_
