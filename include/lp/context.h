#ifndef LP_CONTEXT_H_
#define LP_CONTEXT_H_

#include <string>

#include "absl/time/time.h"
#include "lp/launch_type.h"

namespace lp {

// Names one node of a program: the group it was added to and its index in that group.
struct NodeId {
  std::string group;
  int index = 0;

  // "group/index", the form every message and log prefix uses.
  std::string ToString() const;
  friend bool operator==(const NodeId&, const NodeId&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const NodeId& id) {
    return H::combine(std::move(h), id.group, id.index);
  }
};

// What a running node can know about where it runs.
struct NodeContext {
  std::string program_name;
  LaunchType launch_type = LaunchType::kLocalMt;
  NodeId node;
};

// The context of the node running on this thread, or nullptr on a thread that is not a
// node's own (for example a thread the node started itself, or main()).
const NodeContext* CurrentNode();

// The launch the calling node belongs to: an id and the time the launcher started it, the
// same in every node and process of one launch (and under every launch type), and a new
// id for every lp::Launch, so two programs of a sweep get different ones. The id is the
// start time (UTC) and 8 random hex digits, e.g. "20250601-142233-9f3c01ab": use it to
// name a launch's runs, logs and directories ("/tmp/logs/" + lp::LaunchId()).
//
// Called outside a node (main(), a thread the node started), they give the latest launch
// of this process; before the first, "" and absl::InfinitePast(). Note that main() runs
// again in every worker process, where nothing was launched yet: a value main() computes
// from them before lp::Launch is "" there. Call them in the node, or compute the value
// in main() and pass it as a node argument (a string travels from the launcher).
std::string LaunchId();
absl::Time LaunchStartTime();

}  // namespace lp

#endif  // LP_CONTEXT_H_
