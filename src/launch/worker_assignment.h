#ifndef LP_SRC_LAUNCH_WORKER_ASSIGNMENT_H_
#define LP_SRC_LAUNCH_WORKER_ASSIGNMENT_H_

// How a process learns that it is a worker, and which node it runs.
//
// A process launch runs the user's own binary again, once per node, with the same
// command line; the environment says which node to run (LP_NODE) and in which lp::Launch
// call of the process (LP_LAUNCH_INDEX). The index matters because a process may launch
// several programs one after another (a sweep): re-executed, main() launches them again
// in the same order, and the worker lets every launch before its own end at once (as if
// it had run) so that main() reaches the program the node belongs to.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "lp/context.h"
#include "lp/internal/runtime.h"
#include "lp/launch_type.h"

namespace lp::internal {

inline constexpr char kLaunchIndexEnv[] = "LP_LAUNCH_INDEX";
inline constexpr char kLaunchTypeEnv[] = "LP_LAUNCH_TYPE";
// Under Slurm one srun starts every node of a group: the tasks share their environment,
// so the group travels in LP_NODE_GROUP and the index is the task's rank, SLURM_PROCID.
inline constexpr char kNodeGroupEnv[] = "LP_NODE_GROUP";
inline constexpr char kSlurmTaskRankEnv[] = "SLURM_PROCID";

// The launch's identity (LaunchIdentity): its id, and its start as microseconds since the
// Unix epoch.
inline constexpr char kLaunchIdEnv[] = "LP_LAUNCH_ID";
inline constexpr char kLaunchStartEnv[] = "LP_LAUNCH_START_US";

struct WorkerAssignment {
  NodeId node;
  int launch_index = 0;
  LaunchType launch_type = LaunchType::kLocalMp;
  LaunchIdentity launch;
};

// The variables that carry `launch` to a worker.
std::vector<std::pair<std::string, std::string>> LaunchIdentityEnvironment(
    const LaunchIdentity& launch);

// The assignment of this process, or nullopt when it is not a worker (neither LP_NODE
// nor LP_NODE_GROUP set). LP_NODE wins: a colocation's inner process inherits its Slurm
// task's LP_NODE_GROUP but runs the node its LP_NODE names.
// An error when the variables are set but malformed.
absl::StatusOr<std::optional<WorkerAssignment>> WorkerAssignmentFromEnvironment();

// Numbers the lp::Launch calls of this process: 0, 1, 2, ... Thread-safe.
int NextLaunchIndex();
// Starts the numbering again (at the start of each test, so that a test_mp worker, which
// runs only its own test, counts the same way as the launcher did).
void ResetLaunchIndex();

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_WORKER_ASSIGNMENT_H_
