#ifndef LP_SRC_LAUNCH_PROGRAM_OUTCOME_H_
#define LP_SRC_LAUNCH_PROGRAM_OUTCOME_H_

#include <functional>
#include <optional>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "lp/context.h"
#include "lp/internal/node_outcome.h"

namespace lp::internal {

// What a launch ends with, decided from how its nodes ended. Every launcher keeps one, so
// that the rules below hold the same under every launch type:
//  - A node's own failure (kFailed: an exception, a crash, a non-zero exit) is a root
//    cause. The first one recorded is the one named, whatever came after it.
//  - A node ended by a failed call (kCallFailed) is a consequence: nothing at all when the
//    program was already stopping, else a failure that is named only if no root cause is
//    ever recorded (the node it called may be dying, and be recorded a moment later).
//  - A node that returned, or ended by lp::ProgramStoppedError (kStopped), ended cleanly.
//  - Nodes killed after the termination notice make the outcome DEADLINE_EXCEEDED, unless
//    a node failed; a launch error (the program could not start) wins over everything.
// Only a node's first recorded end counts, so a launcher may record a failure early (a
// CourierNode's, before its server shuts down) and the same node's exit later.
//
// Thread safety: none; the launcher guards it with its own lock.
class ProgramOutcome {
 public:
  // Records how `node` ended; `stopping`: whether the program was stopping already.
  // Returns whether this end fails the program (and so should stop it).
  bool RecordNodeEnd(const NodeId& node, const NodeOutcome& outcome, bool stopping);
  // The program could not be launched.
  void RecordLaunchError(absl::Status error);
  // Stragglers were killed after the notice (DEADLINE_EXCEEDED naming them).
  void RecordStragglers(absl::Status stragglers);

  // Whether some node's end was recorded already.
  bool Recorded(const NodeId& node) const { return recorded_.contains(node.ToString()); }
  // Whether a node failure (root or consequence) was recorded.
  bool HasNodeFailure() const { return root_.has_value() || consequence_.has_value(); }
  bool HasLaunchError() const { return !launch_error_.ok(); }

  // The launch's result. `describe(node, cause)` writes a node failure's message (with
  // its host, last output lines, ...); it is called at most once.
  using Describe = std::function<std::string(const NodeId& node, const std::string& cause)>;
  absl::Status Final(const Describe& describe) const;

 private:
  struct Failure {
    NodeId node;
    std::string cause;
  };

  std::set<std::string> recorded_;
  std::optional<Failure> root_;
  std::optional<Failure> consequence_;
  absl::Status launch_error_;
  absl::Status stragglers_;
};

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_PROGRAM_OUTCOME_H_
