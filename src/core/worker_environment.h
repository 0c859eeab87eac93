#ifndef LP_SRC_CORE_WORKER_ENVIRONMENT_H_
#define LP_SRC_CORE_WORKER_ENVIRONMENT_H_

// The worker's environment: every variable through which a launcher tells a process that
// it is a worker, which node it runs, and how to reach the rest of its launch; and the
// functions that read them. The launchers (src/launch) set them on every worker; the
// worker, its coordinator client and its Courier server read them once at start-up.
//
// A process launch runs the user's own binary again, once per node, with the same
// command line; the environment says which node to run (LP_NODE) and in which lp::Launch
// call of the process (LP_LAUNCH_INDEX). The index matters because a process may launch
// several programs one after another (a sweep): re-executed, main() launches them again
// in the same order, and the worker lets every launch before its own end at once (as if
// it had run) so that main() reaches the program the node belongs to.
//
// Secrets (the coordinator token, the Courier secret) travel in the environment rather
// than on the command line because any user of the machine can read another process's
// command line (/proc/<pid>/cmdline), while its environment is readable only by the same
// user.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "lp/context.h"
#include "lp/internal/runtime.h"
#include "lp/launch_type.h"

namespace lp::internal {

// --- Which node this process runs ------------------------------------------------------

// The node, as "group/index" (NodeId::ToString()).
inline constexpr char kNodeEnv[] = "LP_NODE";
// Under Slurm one srun starts every node of a group: the tasks share their environment,
// so the group travels in LP_NODE_GROUP and the index is the task's rank, SLURM_PROCID.
inline constexpr char kNodeGroupEnv[] = "LP_NODE_GROUP";
inline constexpr char kSlurmTaskRankEnv[] = "SLURM_PROCID";
// Which lp::Launch call of the process the node belongs to (see above), and its type.
inline constexpr char kLaunchIndexEnv[] = "LP_LAUNCH_INDEX";
inline constexpr char kLaunchTypeEnv[] = "LP_LAUNCH_TYPE";
// The launch's identity (LaunchIdentity): its id, and its start as microseconds since the
// Unix epoch.
inline constexpr char kLaunchIdEnv[] = "LP_LAUNCH_ID";
inline constexpr char kLaunchStartEnv[] = "LP_LAUNCH_START_US";
// The launcher's topology fingerprint (src/coordinator/fingerprint.h).
inline constexpr char kFingerprintEnv[] = "LP_FINGERPRINT";

// Set only in a fork server (src/launch/fork_server.h): the descriptor of its socket to
// the launcher. The server removes it from its environment first thing, so that no worker
// it forks (nor their children) inherits it.
inline constexpr char kForkServerFdEnv[] = "LP_FORK_SERVER_FD";

// Set only in a fork server whose launcher had no LD_BIND_NOW of its own: the launcher
// starts it with LD_BIND_NOW=1, so that the dynamic loader binds every symbol once, in the
// server, and no forked worker resolves its calls into shared libraries one by one (4 %
// of a worker's start; docs/performance.md). The server removes both variables first
// thing, so that workers and their children keep the environment the launcher had.
inline constexpr char kForkServerBindsNowEnv[] = "LP_FORK_SERVER_BINDS_NOW";

// --- How to reach the launch -------------------------------------------------------------

// "host:port" of the coordinator, reachable from the worker's machine.
inline constexpr char kCoordinatorAddressEnv[] = "LP_COORDINATOR_ADDRESS";
// Under Slurm, when the launcher was not told which host tasks reach it at: only the
// coordinator's port. The host is then the launching machine's address as Slurm gives it
// to every task (kSlurmLaunchHostEnv).
inline constexpr char kCoordinatorPortEnv[] = "LP_COORDINATOR_PORT";
inline constexpr char kSlurmLaunchHostEnv[] = "SLURM_LAUNCH_NODE_IPADDR";
// Set only in a worker forked by a fork server: the descriptor of its own connection to
// the coordinator, a socketpair the launcher serves (CoordinatorServer::ConnectLocalWorker).
// The worker's CoordinatorClient uses it instead of kCoordinatorAddressEnv and removes it
// from the environment.
inline constexpr char kCoordinatorFdEnv[] = "LP_COORDINATOR_FD";
// The per-launch secret every coordinator call must carry.
inline constexpr char kCoordinatorTokenEnv[] = "LP_COORDINATOR_TOKEN";
// The launch's Courier secret (src/launch/courier_secret.h), which every Courier call
// carries. Set on every worker; a user may set it in the launcher's environment too, to
// choose the secret and give it to a client outside the program.
inline constexpr char kCourierSecretEnv[] = "LP_COURIER_SECRET";
// The port the worker's Courier server tries first (a node a MultiProcessingColocation
// restarts comes back where its callers expect it).
inline constexpr char kCourierPortEnv[] = "LP_COURIER_PORT";

// The group's args (ProcessConfig::args, SlurmConfig::args) as "--key=value" words, each
// C-escaped, one per line: a Python node passes them on to its script, whose command line
// is not the worker's (src/launch/python_node.cc).
inline constexpr char kGroupArgsEnv[] = "LP_GROUP_ARGS";

// --- Reading them --------------------------------------------------------------------------

// The value of environment variable `name`; NotFound naming it when unset or empty.
absl::StatusOr<std::string> GetEnv(const char* name);

// Parses "group/index" (the form NodeId::ToString() writes). The group may itself contain
// '/': the index is what follows the last one.
absl::StatusOr<NodeId> ParseNodeId(std::string_view text);

// "host:port" of the coordinator: kCoordinatorAddressEnv, else kSlurmLaunchHostEnv with
// kCoordinatorPortEnv. NotFound naming the variables when neither is set.
absl::StatusOr<std::string> CoordinatorAddressFromEnvironment();

// What a worker process is to run.
struct WorkerAssignment {
  NodeId node;
  int launch_index = 0;
  LaunchType launch_type = LaunchType::kLocalMp;
  LaunchIdentity launch;
};

// The assignment of this process, or nullopt when it is not a worker (neither LP_NODE
// nor LP_NODE_GROUP set). LP_NODE wins: a colocation's inner process inherits its Slurm
// task's LP_NODE_GROUP but runs the node its LP_NODE names.
// An error when the variables are set but malformed.
absl::StatusOr<std::optional<WorkerAssignment>> WorkerAssignmentFromEnvironment();

// kGroupArgsEnv's value for `args`, and back: the "--key=value" words, in order.
std::string EncodeGroupArgs(const std::map<std::string, std::string>& args);
std::vector<std::string> GroupArgsFromEnvironment();

// The variables that carry `launch` to a worker.
std::vector<std::pair<std::string, std::string>> LaunchIdentityEnvironment(
    const LaunchIdentity& launch);

}  // namespace lp::internal

#endif  // LP_SRC_CORE_WORKER_ENVIRONMENT_H_
