#include "src/launch/coordinator_session.h"

#include "absl/strings/str_cat.h"
#include "lp/internal/program_nodes.h"
#include "src/coordinator/launcher_address_book.h"
#include "src/coordinator/token.h"
#include "src/core/current_runtime.h"
#include "src/core/stop_state.h"
#include "src/core/worker_environment.h"
#include "src/launch/argument_transfer.h"
#include "src/launch/launcher_descriptors.h"
#include "src/launch/program_metrics.h"
#include "src/launch/topology.h"

namespace lp::internal {

std::vector<std::pair<std::string, std::string>> WorkerEnvironment(
    const std::string& token, const std::string& courier_secret, const std::string& fingerprint,
    const ResolvedLaunchOptions& options, const LaunchIdentity& launch) {
  std::vector<std::pair<std::string, std::string>> env = {
      {kCoordinatorTokenEnv, token},
      {kCourierSecretEnv, courier_secret},
      {kFingerprintEnv, fingerprint},
      {kLaunchIndexEnv, std::to_string(options.launch_index)},
      {kLaunchTypeEnv, std::string(LaunchTypeName(options.launch_type))},
  };
  for (auto& variable : LaunchIdentityEnvironment(launch)) env.push_back(std::move(variable));
  return env;
}

absl::StatusOr<CoordinatorSession> StartCoordinatorSession(
    Program& program, const ResolvedLaunchOptions& options,
    const std::shared_ptr<Runtime>& runtime, CoordinatorSessionOptions session) {
  if (absl::Status room = CheckLauncherDescriptors(program, options.launch_type); !room.ok()) {
    return room;  // before any worker: running out half-way leaves workers waiting
  }
  CoordinatorSession result;
  absl::StatusOr<std::string> token = MakeToken();
  if (!token.ok()) return token.status();
  result.token = *std::move(token);
  result.fingerprint = ProgramFingerprint(program);

  // The hooks capture shared state only: they run on gRPC threads.
  CoordinatorHooks hooks = std::move(session.hooks);
  hooks.on_stop = [runtime](const std::string&) { runtime->stop->RequestStop(); };
  absl::StatusOr<std::unique_ptr<CoordinatorServer>> server = CoordinatorServer::Start(
      {.program_name = program.name(),
       .fingerprint = result.fingerprint,
       .nodes = AllNodes(program),  // inner nodes of colocations too: they register
       .arguments = EncodeProgramArguments(program),
       // No node runs before every worker found its arguments equal to the launcher's.
       .start_after = TopLevelNodes(program),
       .token = result.token,
       .bind_address = session.bind_address,
       .keepalive_interval = session.keepalive_interval,
       .keepalive_timeout = session.keepalive_timeout,
       .transport = options.transport,
       .hooks = std::move(hooks)});
  if (!server.ok()) return server.status();
  result.server = *std::move(server);
  SetLatestCoordinator(result.server);

  runtime->addresses = std::make_shared<LauncherAddressBook>(result.server);
  SetLatestRuntime(runtime);
  AttachRuntime(program, runtime);

  result.worker_env = WorkerEnvironment(result.token, options.courier_secret,
                                        result.fingerprint, options, runtime->launch);
  return result;
}

}  // namespace lp::internal
