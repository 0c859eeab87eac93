// StatusBoard: the state of every node of one launched program, as the launcher learns it.
#ifndef LP_SRC_STATUS_STATUS_BOARD_H_
#define LP_SRC_STATUS_STATUS_BOARD_H_

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "src/status/node_status.h"

namespace lp::internal {

// Told by the supervisor, its backend and the coordinator's hooks what happens to each
// node (started, registered, watching for the start, published an address, restarted,
// ended) and to the program (stopping, ended); Snapshot() is what the status page shows.
// Only events move a node's state, and each event moves it only forward, except a
// registration after an end, which is a restart.
//
// Thread safety: every method may be called from any thread.
class StatusBoard {
 public:
  // `program.nodes` lists every node (inner ones too), in the order the page shows them,
  // each kStarting with its kind, methods and parent filled in.
  explicit StatusBoard(ProgramStatus program);

  // The node's thread or process is being started; threads run at once (`running`).
  void Started(const std::vector<NodeId>& nodes, bool running);
  // Its worker registered with the coordinator (again, after an end: a restart).
  void Registered(const NodeId& node, int64_t pid, const std::string& host);
  // Its worker opened its stop watch; `program_started`: the coordinator has given the
  // start, so every node that watches runs.
  void Watching(const NodeId& node, bool program_started);
  // A colocation started the node again in this process (threads).
  void Restarted(const NodeId& node);
  void Published(const NodeId& node, const std::string& address);
  // How the node ended: kExited or kFailed with `how`. The first end counts, until a
  // restart.
  void Ended(const NodeId& node, NodeState state, const std::string& how,
             std::optional<int> exit_code = std::nullopt);
  // The node's process or thread is gone: a node not ended yet ends now, as kKilled when
  // `killed`, else kExited with `how`.
  void Gone(const NodeId& node, bool killed, const std::string& how);
  void Stopping(const std::string& reason);
  // Every unit ended; nodes not ended yet are marked exited.
  void ProgramEnded();

  ProgramStatus Snapshot() const;
  // How many nodes have reached `state` or passed it (registration counts from there on).
  int CountAtLeast(NodeState state) const;
  int NumNodes() const;
  // Waits until something changes after `version` (Version()) or `deadline`.
  int64_t Version() const;
  bool WaitForChange(int64_t version, absl::Time deadline) const;

 private:
  NodeStatus* Find(const NodeId& node);  // null for a node the program does not have
  void Changed();                        // with mu_ held

  mutable std::mutex mu_;
  mutable std::condition_variable changed_;  // notified under mu_ on every change
  // Guarded by mu_:
  ProgramStatus program_;
  std::map<std::string, size_t> index_;  // "group/index" -> position in program_.nodes
  std::map<std::string, int> registrations_;
  int64_t version_ = 0;
};

}  // namespace lp::internal

#endif  // LP_SRC_STATUS_STATUS_BOARD_H_
