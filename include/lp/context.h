#ifndef LP_CONTEXT_H_
#define LP_CONTEXT_H_

#include <string>

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

}  // namespace lp

#endif  // LP_CONTEXT_H_
