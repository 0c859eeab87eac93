#ifndef LP_SRC_LAUNCH_TOPOLOGY_H_
#define LP_SRC_LAUNCH_TOPOLOGY_H_

// The shape of a program, as launcher and workers must agree on it.

#include <memory>
#include <string>
#include <vector>

#include "lp/program.h"

namespace lp::internal {

// Every node of the program, group by group, in insertion order.
std::vector<NodeId> AllNodes(const Program& program);

// The node `id` of `program`, or nullptr.
std::shared_ptr<NodeImpl> FindNode(const Program& program, const NodeId& id);

// A readable fingerprint of the program's name, groups, node counts and kinds. A worker
// whose program (built again by re-executing main) has another fingerprint than the
// launcher's refuses to run: program construction was not deterministic.
std::string ProgramFingerprint(const Program& program);

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_TOPOLOGY_H_
