#ifndef LP_INTERNAL_RUNTIME_H_
#define LP_INTERNAL_RUNTIME_H_

// The pieces of a launched program that node implementations need at run time. Not part
// of the user API: node kinds (ClassNode, CourierNode, ...) reach them through here.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lp/context.h"
#include "lp/internal/node_outcome.h"
#include "lp/launch_type.h"

namespace lp {
class CallScopes;
}  // namespace lp
namespace lp::rpc {
struct TransportSecurity;
}  // namespace lp::rpc

namespace lp::internal {

class StopState;

// The AddressBook endpoint under which a node's Courier server is published.
inline constexpr char kCourierEndpoint[] = "courier";

// Where each node's services can be reached. local_mt keeps it in memory; the process
// launches ask the coordinator.
//
// Thread safety: implementations are safe to call from any thread.
class AddressBook {
 public:
  virtual ~AddressBook() = default;

  // Announces that `node`'s service `endpoint` (e.g. "courier") listens on `address`.
  virtual absl::Status Publish(const NodeId& node, std::string_view endpoint,
                               std::string address) = 0;

  // The address of `node`'s `endpoint`, waiting until it is published, `deadline`
  // passes (DeadlineExceeded, naming the node) or the program stops (Unavailable).
  virtual absl::StatusOr<std::string> Resolve(const NodeId& node, std::string_view endpoint,
                                              absl::Time deadline) = 0;
};

// Which launch a program belongs to (lp::LaunchId(), lp::LaunchStartTime()): made by the
// launcher, the same in every process of the launch.
struct LaunchIdentity {
  std::string id;
  absl::Time start = absl::InfinitePast();
};

// One launched program, as seen from one process. Shared (by shared_ptr) between the
// launcher, every node thread and every handle dereferenced in this process.
struct Runtime {
  std::string program_name;
  LaunchType launch_type = LaunchType::kLocalMt;
  LaunchIdentity launch;
  std::shared_ptr<AddressBook> addresses;
  std::shared_ptr<StopState> stop;
  // The Courier calls this process makes to each node, cancelled together when the
  // program stops (src/courier/rpc/call_scope.h).
  std::shared_ptr<CallScopes> calls;
  // The launch's Courier secret: every client made from a handle sends it, every
  // CourierNode's server refuses calls without it (unless the node is public).
  std::string courier_secret;
  // The launch's mutual TLS for every Courier server and client (null: plain TCP).
  std::shared_ptr<const rpc::TransportSecurity> transport;
  // Told by a node of this process that is failing, before it cleans up (a CourierNode
  // before its server shuts down), so that the failure is on record before any of its
  // consequences — its callers' failed calls — can be. Null when nobody listens; the
  // node's end is reported as usual afterwards either way.
  std::function<void(const NodeId& node, const NodeOutcome& outcome)> report_failure;
  // Told when a colocation of this process runs an inner node again after it failed (the
  // launcher's status page counts restarts). Null when nobody listens.
  std::function<void(const NodeId& node)> report_restart;
  // The host node servers bind to: loopback for local launches, every interface
  // ("0.0.0.0") when peers are on other machines.
  std::string server_host = "127.0.0.1";
  // The host node servers publish, when it differs from server_host: the address of this
  // machine that peers can reach (Slurm).
  std::string advertised_host;
  const std::string& PublishedHost() const {
    return advertised_host.empty() ? server_host : advertised_host;
  }
};

// The runtime of the program that the calling thread belongs to: the node thread's own,
// else the most recently launched program of this process, else nullptr.
std::shared_ptr<Runtime> CurrentRuntime();

}  // namespace lp::internal

#endif  // LP_INTERNAL_RUNTIME_H_
