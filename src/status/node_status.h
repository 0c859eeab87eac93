// What the status page, /api/nodes and lp_status show of a running program: one row per
// node, and the program's own line. Plain values: a snapshot, copied freely.
#ifndef LP_SRC_STATUS_NODE_STATUS_H_
#define LP_SRC_STATUS_NODE_STATUS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "lp/context.h"

namespace lp::internal {

// A node's life, in order. A node moves forward only: kStarting (its thread or process
// is being started), kRegistered (its worker checked in with the coordinator and waits
// for the program-wide start), kRunning, kStopping (the program is stopping and the node
// has not ended yet), then one of the three ends.
enum class NodeState {
  kStarting,
  kRegistered,
  kRunning,
  kStopping,
  kExited,  // ended cleanly: returned, or stopped with the program
  kFailed,  // ended by its own failure or a failed call; `ended_how` says which
  kKilled,  // outlived the termination notice and was killed
};

// "starting", "registered", ... as the JSON API and the page spell them.
std::string_view NodeStateName(NodeState state);
bool IsEnded(NodeState state);

struct NodeStatus {
  NodeId id;
  std::string kind;                  // "CourierNode<Learner>", "FunctionNode", ...
  std::vector<std::string> methods;  // a Courier node's methods
  std::string parent;                // "group/index" of its colocation, if inner
  NodeState state = NodeState::kStarting;
  // For an ended node: "exited with code 0", "failed: <message>", "killed after ...".
  std::string ended_how;
  std::optional<int> exit_code;  // a worker process's, when known
  int restarts = 0;              // times a colocation started it again
  std::string host;
  int64_t pid = 0;
  std::string address;  // its Courier server's, once published
  std::optional<absl::Time> started_at;
  std::optional<absl::Time> ended_at;
  std::vector<std::string> last_output;  // its last lines of output (process launches)
};

struct ProgramStatus {
  std::string name;
  std::string launch_type;  // "local_mp", ...
  std::string launch_id;
  absl::Time started_at = absl::InfinitePast();
  bool stopping = false;
  bool ended = false;
  std::string stop_reason;  // why it stops, once it does
  std::vector<NodeStatus> nodes;  // in program order; inner nodes after their colocation
};

}  // namespace lp::internal

#endif  // LP_SRC_STATUS_NODE_STATUS_H_
