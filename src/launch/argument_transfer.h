#ifndef LP_SRC_LAUNCH_ARGUMENT_TRANSFER_H_
#define LP_SRC_LAUNCH_ARGUMENT_TRANSFER_H_

// Nodes' arguments from the launcher to the workers (docs/processes.md, "What travels").
// The launcher encodes every node's arguments once; the coordinator hands a worker those
// of its node and of the node's inner nodes with its registration; the worker applies
// them to the program it built before any node runs.

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "lp/context.h"
#include "lp/coordinator.pb.h"
#include "lp/program.h"

namespace lp::internal {

// For each node a worker may register as (AllNodes), the arguments of the node and of its
// inner nodes, depth first: what CoordinatorOptions::arguments holds.
absl::flat_hash_map<NodeId, std::vector<coordinator::NodeArguments>> EncodeProgramArguments(
    const Program& program);

// In a worker, before any node runs: applies the launcher's `arguments` to the nodes of
// `program` they name (NodeImpl::ApplyArguments). FailedPrecondition naming the node, and
// in it every argument that differs, when a value that cannot travel differs; the node
// must not run then.
absl::Status ApplyProgramArguments(const Program& program,
                                   const std::vector<coordinator::NodeArguments>& arguments);

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_ARGUMENT_TRANSFER_H_
