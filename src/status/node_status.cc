#include "src/status/node_status.h"

namespace lp::internal {

std::string_view NodeStateName(NodeState state) {
  switch (state) {
    case NodeState::kStarting:
      return "starting";
    case NodeState::kRegistered:
      return "registered";
    case NodeState::kRunning:
      return "running";
    case NodeState::kStopping:
      return "stopping";
    case NodeState::kExited:
      return "exited";
    case NodeState::kFailed:
      return "failed";
    case NodeState::kKilled:
      return "killed";
  }
  return "unknown";
}

bool IsEnded(NodeState state) {
  return state == NodeState::kExited || state == NodeState::kFailed ||
         state == NodeState::kKilled;
}

}  // namespace lp::internal
