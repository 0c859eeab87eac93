#ifndef LP_SRC_COORDINATOR_ENV_H_
#define LP_SRC_COORDINATOR_ENV_H_

// The environment variables through which a launcher tells a worker process how to reach
// its coordinator. The launcher sets them on every worker; the worker reads them once at
// start-up.
//
// The token travels in the environment rather than on the command line because any user
// of the machine can read another process's command line (/proc/<pid>/cmdline), while its
// environment is readable only by the same user.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lp/context.h"

namespace lp::internal {

// "host:port" of the coordinator, reachable from the worker's machine.
inline constexpr char kCoordinatorAddressEnv[] = "LP_COORDINATOR_ADDRESS";
// Under Slurm, when the launcher was not told which host tasks reach it at: only the
// coordinator's port. The host is then the launching machine's address as Slurm gives it
// to every task (kSlurmLaunchHostEnv).
inline constexpr char kCoordinatorPortEnv[] = "LP_COORDINATOR_PORT";
inline constexpr char kSlurmLaunchHostEnv[] = "SLURM_LAUNCH_NODE_IPADDR";
// The per-launch secret every coordinator call must carry.
inline constexpr char kCoordinatorTokenEnv[] = "LP_COORDINATOR_TOKEN";
// The launch's Courier secret (src/launch/courier_secret.h), which every Courier call
// carries. Set on every worker; a user may set it in the launcher's environment too, to
// choose the secret and give it to a client outside the program.
inline constexpr char kCourierSecretEnv[] = "LP_COURIER_SECRET";
// The launcher's topology fingerprint (see fingerprint.h).
inline constexpr char kFingerprintEnv[] = "LP_FINGERPRINT";
// The node this worker runs, as "group/index" (NodeId::ToString()).
inline constexpr char kNodeEnv[] = "LP_NODE";

// The value of environment variable `name`; NotFound naming it when unset or empty.
absl::StatusOr<std::string> GetEnv(const char* name);

// "host:port" of the coordinator: kCoordinatorAddressEnv, else kSlurmLaunchHostEnv with
// kCoordinatorPortEnv. NotFound naming the variables when neither is set.
absl::StatusOr<std::string> CoordinatorAddressFromEnvironment();

// Parses "group/index" (the form NodeId::ToString() writes). The group may itself contain
// '/': the index is what follows the last one.
absl::StatusOr<NodeId> ParseNodeId(std::string_view text);

}  // namespace lp::internal

#endif  // LP_SRC_COORDINATOR_ENV_H_
