#ifndef LP_SRC_LAUNCH_SERVE_FORKS_H_
#define LP_SRC_LAUNCH_SERVE_FORKS_H_

// The fork server's side of fork_server.h: a worker process, started like any other, that
// ran main() up to lp::Launch and there, instead of running a node, forks the workers of
// the launch one by one as the launcher asks.

namespace lp::internal {

// True in a fork server (kForkServerFdEnv is set).
bool IsForkServer();

// Serves the launcher's fork requests until it closes the socket, then ends the process.
// Returns only in a forked worker, set up as an exec'd worker would be: in a process
// group of its own, SIGKILLed if the server dies before the worker arms its own
// parent-death handling (die_with_parent.h, which also learns that the launcher is its
// grandparent), stdout and stderr on the descriptor the launcher sent, the node's
// variables set, the signal mask and SIGCHLD's disposition as main() left them.
//
// Refuses (tells the launcher kUnavailable, and ends the process) when the process has
// more than one thread: a fork copies only the calling thread, and whatever the others
// held (a lock, gRPC's state) would be left broken in every worker.
//
// Call on the only thread, from lp::Launch.
void ServeForks();

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_SERVE_FORKS_H_
