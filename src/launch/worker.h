#ifndef LP_SRC_LAUNCH_WORKER_H_
#define LP_SRC_LAUNCH_WORKER_H_

#include "lp/program.h"
#include "src/core/worker_environment.h"
#include "src/launch/launcher.h"

namespace lp::internal {

// Exit codes of a worker process.
inline constexpr int kWorkerNodeFailed = 1;    // the node threw; its message was reported
inline constexpr int kWorkerSetupFailed = 2;   // wrong program, coordinator unreachable, ...
inline constexpr int kWorkerStraggled = 3;     // did not stop within the notice
// A call the node made failed (CANCELLED, UNAVAILABLE) before this worker heard of any
// stop: a consequence of another node's end, or a real failure; the launcher, or the
// colocation, judges (NodeOutcome::Kind::kCallFailed).
inline constexpr int kWorkerCallFailed = 4;

// Runs the node `assignment` names, of `program` (built again in this worker process),
// as one process of a process launch, then ends the process with its exit code. Never
// returns into the user's main().
//
// The worker registers with the coordinator (which checks the program's fingerprint
// against the launcher's), resolves and publishes addresses through it, hears the stop
// from it and forwards its own lp::Stop() to it, and reports how its node ended. If it
// loses the coordinator (the launcher died, the network was cut) it stops its node, and
// exits after a short grace period even if the node does not return. `fingerprint` is
// ProgramFingerprint(program).
[[noreturn]] void RunWorker(Program program, std::string fingerprint,
                            const WorkerAssignment& assignment,
                            const ResolvedLaunchOptions& options);

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_WORKER_H_
