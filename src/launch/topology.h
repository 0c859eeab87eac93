#ifndef LP_SRC_LAUNCH_TOPOLOGY_H_
#define LP_SRC_LAUNCH_TOPOLOGY_H_

// The shape of a program, as launcher and workers must agree on it.

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "lp/program.h"

namespace lp::internal {

// The nodes the launcher starts a worker for, group by group, in insertion order.
std::vector<NodeId> TopLevelNodes(const Program& program);
// The same, as "group/index" names.
std::set<std::string> TopLevelNodeNames(const Program& program);

// Every node that may register with the coordinator: the top-level ones and the inner
// nodes of colocations.
std::vector<NodeId> AllNodes(const Program& program);

// A readable fingerprint of the program's name, groups, node counts and kinds. A worker
// whose program (built again by re-executing main) has another fingerprint than the
// launcher's refuses to run: program construction was not deterministic.
std::string ProgramFingerprint(const Program& program);

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_TOPOLOGY_H_
