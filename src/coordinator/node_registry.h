#ifndef LP_SRC_COORDINATOR_NODE_REGISTRY_H_
#define LP_SRC_COORDINATOR_NODE_REGISTRY_H_

// The coordinator's record of the program's nodes: which ones exist, which worker process
// registered for each, and how each ended.

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "lp/context.h"
#include "src/coordinator/exit_report.h"

namespace lp::internal {

// The worker process that runs a node, as it registered.
struct NodeRegistration {
  NodeId node;
  int64_t pid = 0;
  std::string hostname;
  // The worker's address as the coordinator saw the connection, e.g. "ipv4:10.0.0.7:51234".
  std::string peer;
  absl::Time registered_at;
};

// Thread safety: every method may be called from any thread.
class NodeRegistry {
 public:
  NodeRegistry(std::string program_name, std::string fingerprint, std::vector<NodeId> nodes);

  const std::string& program_name() const { return program_name_; }
  const std::string& fingerprint() const { return fingerprint_; }

  // NotFound, naming the node and the program, when `node` is not one of the program's.
  absl::Status CheckKnown(const NodeId& node) const;

  // Records a worker. FailedPrecondition when its fingerprint differs from the launcher's,
  // NotFound for an unknown node. A node may register again (a restarted process): the
  // newest registration wins.
  absl::Status Register(NodeRegistration registration, std::string_view fingerprint);

  // Records why a node ends; the newest report of a node wins.
  absl::Status RecordExit(ExitReport report);

  std::optional<NodeRegistration> Registration(const NodeId& node) const;
  std::vector<NodeRegistration> Registrations() const;  // in no particular order
  // Waits until every node has registered; false if `deadline` passed first.
  bool AwaitAllRegistered(absl::Time deadline) const;

  std::optional<ExitReport> ExitReportOf(const NodeId& node) const;
  std::vector<ExitReport> ExitReports() const;  // in the order they arrived

 private:
  const std::string program_name_;
  const std::string fingerprint_;
  const absl::flat_hash_set<NodeId> nodes_;

  mutable std::mutex mu_;
  mutable std::condition_variable registered_;  // notified under mu_ on every Register
  // Guarded by mu_:
  absl::flat_hash_map<NodeId, NodeRegistration> registrations_;
  std::vector<ExitReport> exit_reports_;
};

}  // namespace lp::internal

#endif  // LP_SRC_COORDINATOR_NODE_REGISTRY_H_
