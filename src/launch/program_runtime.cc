#include "src/launch/program_runtime.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lp/rpc_error.h"
#include "src/coordinator/token.h"
#include "src/core/stop_state.h"
#include "src/courier/rpc/call_scope.h"

namespace lp::internal {

std::shared_ptr<Runtime> NewRuntime(std::string program_name, LaunchType launch_type,
                                    std::string courier_secret,
                                    std::shared_ptr<const rpc::TransportSecurity> transport,
                                    std::shared_ptr<AddressBook> addresses,
                                    LaunchIdentity launch) {
  auto runtime = std::make_shared<Runtime>();
  runtime->program_name = std::move(program_name);
  runtime->launch_type = launch_type;
  runtime->launch = std::move(launch);
  runtime->courier_secret = std::move(courier_secret);
  runtime->transport = std::move(transport);
  runtime->addresses = std::move(addresses);
  runtime->stop = std::make_shared<StopState>();
  runtime->calls = std::make_shared<CallScopes>();
  // Captures what it uses, not the runtime: the runtime owns the stop state that owns
  // this handler.
  runtime->stop->Register([calls = runtime->calls, program = runtime->program_name] {
    calls->CancelAll(
        [program](const std::string& target) { return ProgramStoppedStatus(program, target); });
  });
  return runtime;
}

LaunchIdentity NewLaunchIdentity() {
  LaunchIdentity identity;
  identity.start = absl::Now();
  // Not a secret, only unique: a prefix of a random token is plenty. Without a random
  // source (the coordinator could not start either), the process id still tells apart
  // the launches of one second on this machine.
  absl::StatusOr<std::string> random = MakeToken();
  identity.id = absl::StrCat(
      absl::FormatTime("%Y%m%d-%H%M%S", identity.start, absl::UTCTimeZone()), "-",
      random.ok() ? random->substr(0, 8) : absl::StrCat("pid", getpid()));
  return identity;
}

void FailCallsToEndedNodes(const Runtime& runtime, const std::vector<NodeId>& nodes,
                           const std::string& how) {
  for (const NodeId& node : nodes) {
    runtime.calls->Cancel(node.ToString(),
                          absl::UnavailableError(absl::StrCat(
                              "node ", node.ToString(), " of program '", runtime.program_name,
                              "' has ended (", how, ") while the program goes on; calls to "
                              "it fail, as it will not come back")));
  }
}

}  // namespace lp::internal
