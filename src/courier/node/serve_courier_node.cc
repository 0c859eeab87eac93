// The non-template part of CourierNode<T>: the life of its server around the node.

#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lp/courier_node.h"
#include "src/core/stop_state.h"
#include "src/core/worker_environment.h"
#include "src/net/host_port.h"

namespace lp::internal {
namespace {

// How long a stopping server lets calls in flight finish before cancelling them.
constexpr absl::Duration kShutdownGrace = absl::Seconds(1);

// The port to bind: the one kCourierPortEnv asks for, when set, else any (0).
int PreferredPort() {
  const char* port = std::getenv(kCourierPortEnv);
  int number = 0;
  return port != nullptr && absl::SimpleAtoi(port, &number) ? number : 0;
}

}  // namespace

void ServeCourierNode(const Runtime& runtime, const NodeContext& context,
                      CourierServer& server, const std::function<bool()>& run) {
  if (absl::Status secret =
          server.SetSecret(runtime.courier_secret, absl::StrCat("node ", context.node.ToString()));
      !secret.ok()) {
    throw std::runtime_error(std::string(secret.message()));
  }
  absl::StatusOr<int> port = server.Start(JoinHostPort(runtime.server_host, PreferredPort()),
                                          runtime.transport.get());
  if (!port.ok() && PreferredPort() != 0) {
    // Taken meanwhile: any port will do, the address book tells callers where we are.
    port = server.Start(JoinHostPort(runtime.server_host, 0), runtime.transport.get());
  }
  if (!port.ok()) {
    throw std::runtime_error(absl::StrCat("cannot start the Courier server of node ",
                                          context.node.ToString(), ": ", port.status().message()));
  }
  const std::string address = JoinHostPort(runtime.PublishedHost(), *port);
  if (absl::Status published = runtime.addresses->Publish(context.node, kCourierEndpoint, address);
      !published.ok()) {
    server.Shutdown();
    throw std::runtime_error(absl::StrCat("cannot publish the address of node ",
                                          context.node.ToString(), ": ", published.message()));
  }
  // Shut the server down however run() ends, so no call is served by a destroyed object.
  struct ShutdownOnExit {
    CourierServer& server;
    ~ShutdownOnExit() { server.Shutdown(absl::Now() + kShutdownGrace); }
  } shutdown{server};
  try {
    if (!run()) runtime.stop->event().Wait();
  } catch (...) {
    // On record before `shutdown` cancels the calls in flight: otherwise a caller's
    // CANCELLED could be reported before the failure that caused it.
    const NodeOutcome outcome = NodeOutcome::FromCurrentException();
    if (outcome.is_failure() && runtime.report_failure) runtime.report_failure(context.node, outcome);
    throw;
  }
}

}  // namespace lp::internal
