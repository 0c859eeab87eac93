#include "src/status/status_board.h"

#include <utility>

#include "lp/internal/deadline_wait.h"

namespace lp::internal {

StatusBoard::StatusBoard(ProgramStatus program) : program_(std::move(program)) {
  for (size_t i = 0; i < program_.nodes.size(); ++i) {
    index_[program_.nodes[i].id.ToString()] = i;
  }
}

NodeStatus* StatusBoard::Find(const NodeId& node) {
  auto it = index_.find(node.ToString());
  return it == index_.end() ? nullptr : &program_.nodes[it->second];
}

void StatusBoard::Changed() {
  ++version_;
  changed_.notify_all();
}

void StatusBoard::Started(const std::vector<NodeId>& nodes, bool running) {
  std::lock_guard lock(mu_);
  const absl::Time now = absl::Now();
  for (const NodeId& id : nodes) {
    NodeStatus* node = Find(id);
    if (node == nullptr || node->state != NodeState::kStarting) continue;
    node->started_at = now;
    if (running) node->state = program_.stopping ? NodeState::kStopping : NodeState::kRunning;
  }
  Changed();
}

void StatusBoard::Registered(const NodeId& id, int64_t pid, const std::string& host) {
  std::lock_guard lock(mu_);
  NodeStatus* node = Find(id);
  if (node == nullptr) return;
  const int times = ++registrations_[id.ToString()];
  node->pid = pid;
  node->host = host;
  if (times > 1) {
    // A process of the node registered again: its colocation restarted it.
    node->restarts = times - 1;
    node->ended_how.clear();
    node->exit_code.reset();
    node->ended_at.reset();
    node->state = NodeState::kRegistered;
  } else if (node->state == NodeState::kStarting) {
    node->state = NodeState::kRegistered;
  }
  if (!node->started_at.has_value()) node->started_at = absl::Now();
  Changed();
}

void StatusBoard::Watching(const NodeId& id, bool program_started) {
  std::lock_guard lock(mu_);
  NodeStatus* node = Find(id);
  if (node == nullptr || !program_started) return;
  // The start reaches every worker watching: those registered before run now too.
  for (NodeStatus& other : program_.nodes) {
    if (other.state == NodeState::kRegistered) {
      other.state = program_.stopping ? NodeState::kStopping : NodeState::kRunning;
    }
  }
  Changed();
}

void StatusBoard::Restarted(const NodeId& id) {
  std::lock_guard lock(mu_);
  NodeStatus* node = Find(id);
  if (node == nullptr) return;
  ++node->restarts;
  node->ended_how.clear();
  node->exit_code.reset();
  node->ended_at.reset();
  node->state = program_.stopping ? NodeState::kStopping : NodeState::kRunning;
  Changed();
}

void StatusBoard::Published(const NodeId& id, const std::string& address) {
  std::lock_guard lock(mu_);
  NodeStatus* node = Find(id);
  if (node == nullptr) return;
  node->address = address;
  Changed();
}

void StatusBoard::Ended(const NodeId& id, NodeState state, const std::string& how,
                        std::optional<int> exit_code) {
  std::lock_guard lock(mu_);
  NodeStatus* node = Find(id);
  if (node == nullptr) return;
  if (exit_code.has_value()) node->exit_code = exit_code;
  if (IsEnded(node->state)) {
    Changed();
    return;
  }
  node->state = state;
  node->ended_how = how;
  node->ended_at = absl::Now();
  Changed();
}

void StatusBoard::Gone(const NodeId& id, bool killed, const std::string& how) {
  std::lock_guard lock(mu_);
  NodeStatus* node = Find(id);
  if (node == nullptr || IsEnded(node->state)) return;
  node->state = killed ? NodeState::kKilled : NodeState::kExited;
  node->ended_how = how;
  node->ended_at = absl::Now();
  Changed();
}

void StatusBoard::Stopping(const std::string& reason) {
  std::lock_guard lock(mu_);
  if (program_.stopping) return;
  program_.stopping = true;
  program_.stop_reason = reason;
  for (NodeStatus& node : program_.nodes) {
    if (node.state == NodeState::kRunning || node.state == NodeState::kRegistered) {
      node.state = NodeState::kStopping;
    }
  }
  Changed();
}

void StatusBoard::ProgramEnded() {
  std::lock_guard lock(mu_);
  program_.ended = true;
  const absl::Time now = absl::Now();
  for (NodeStatus& node : program_.nodes) {
    if (IsEnded(node.state)) continue;
    // Never started (the launch failed first) or ended without a word (an inner node
    // that went with its colocation's process).
    node.state = NodeState::kExited;
    if (node.ended_how.empty()) node.ended_how = "ended with the program";
    node.ended_at = now;
  }
  Changed();
}

ProgramStatus StatusBoard::Snapshot() const {
  std::lock_guard lock(mu_);
  return program_;
}

int StatusBoard::CountAtLeast(NodeState state) const {
  std::lock_guard lock(mu_);
  int count = 0;
  for (const NodeStatus& node : program_.nodes) {
    if (static_cast<int>(node.state) >= static_cast<int>(state)) ++count;
  }
  return count;
}

int StatusBoard::NumNodes() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(program_.nodes.size());
}

int64_t StatusBoard::Version() const {
  std::lock_guard lock(mu_);
  return version_;
}

bool StatusBoard::WaitForChange(int64_t version, absl::Time deadline) const {
  std::unique_lock lock(mu_);
  return WaitUntil(changed_, lock, deadline, [&] { return version_ != version; });
}

}  // namespace lp::internal
