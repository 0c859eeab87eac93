#ifndef LP_SRC_LAUNCH_COORDINATOR_SESSION_H_
#define LP_SRC_LAUNCH_COORDINATOR_SESSION_H_

// What every process launcher (local_mp, test_mp, slurm) sets up before it starts a
// worker: a fresh token, the program's fingerprint, the coordinator, and the launcher's
// own address book (the coordinator's table, read in place: LauncherAddressBook), so
// that handles dereferenced in the launcher process — a test calling a node — resolve
// like anyone's.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lp/internal/runtime.h"
#include "lp/program.h"
#include "src/coordinator/coordinator_server.h"
#include "src/launch/launcher.h"

namespace lp::internal {

struct CoordinatorSessionOptions {
  // Where the coordinator listens: loopback for one host, every interface for a cluster.
  std::string bind_address = "127.0.0.1:0";
  // See CoordinatorOptions::keepalive_interval.
  absl::Duration keepalive_interval = absl::ZeroDuration();
  absl::Duration keepalive_timeout = absl::Seconds(10);
  // The launcher's hooks. on_stop is the session's own (it stops the runtime); leave it
  // empty.
  CoordinatorHooks hooks;
};

struct CoordinatorSession {
  std::string token;
  std::string fingerprint;
  // Shared with the stop handlers and hooks that may outlive the launcher's scope.
  std::shared_ptr<CoordinatorServer> server;
  // The variables every worker gets whatever the launcher: token, Courier secret,
  // fingerprint, launch index, type and identity. Where the coordinator is
  // (kCoordinatorAddressEnv, ...) is the launcher's to add: it depends on where the
  // workers run.
  std::vector<std::pair<std::string, std::string>> worker_env;
};

// The variables every worker gets whatever the launcher (CoordinatorSession::worker_env):
// the token, the Courier secret, the fingerprint, the launch index, type and identity.
std::vector<std::pair<std::string, std::string>> WorkerEnvironment(
    const std::string& token, const std::string& courier_secret, const std::string& fingerprint,
    const ResolvedLaunchOptions& options, const LaunchIdentity& launch);

// Starts the coordinator for `program` and attaches `runtime` to it (the coordinator
// hands each worker the launcher's arguments of its nodes, argument_transfer.h): a stop the
// coordinator hears of (from a worker) stops `runtime`, and `runtime->addresses` reads
// the coordinator's table (LauncherAddressBook). Nothing is left running on error. Fails first if the
// launcher could not open the files its workers need (launcher_descriptors.h).
absl::StatusOr<CoordinatorSession> StartCoordinatorSession(
    Program& program, const ResolvedLaunchOptions& options,
    const std::shared_ptr<Runtime>& runtime, CoordinatorSessionOptions session);

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_COORDINATOR_SESSION_H_
