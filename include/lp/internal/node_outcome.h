#ifndef LP_INTERNAL_NODE_OUTCOME_H_
#define LP_INTERNAL_NODE_OUTCOME_H_

// How a node's Run() ended, sorted by what it means for the program (docs/user_guide.md,
// "Termination semantics"). Every launcher judges a node's end the same way, from this.

#include <exception>
#include <stdexcept>
#include <string>

namespace lp::internal {

struct NodeOutcome {
  enum class Kind {
    // Run() returned.
    kReturned,
    // Ended by lp::ProgramStoppedError: a call that the program's stop cancelled or
    // refused. The node ended because the program stops: a clean end.
    kStopped,
    // Ended by an lp::RpcError of the kind a call to a stopping, dead or gone server ends
    // with (CANCELLED, UNAVAILABLE). A consequence: clean when the program was already
    // stopping when it is judged, else a failure that is named only if no node failed on
    // its own.
    kCallFailed,
    // The node's own failure: any other exception, a crash, a non-zero exit.
    kFailed,
  };

  Kind kind = Kind::kReturned;
  // What went wrong (the exception's what()); empty for kReturned.
  std::string message;

  bool returned() const { return kind == Kind::kReturned; }
  // Whether this end, on its own, fails the program (kCallFailed depends on when).
  bool is_failure() const { return kind == Kind::kFailed || kind == Kind::kCallFailed; }

  // How the node ended, for messages: "it returned", "it failed: <message>", ...
  std::string Describe() const;

  // The outcome of the exception being handled: call only inside a catch block.
  static NodeOutcome FromCurrentException();
};

// What a node that runs other nodes (a colocation) throws when one of them failed: the
// inner node's outcome, so that the outer node's end is judged like the inner one's.
class InnerNodeError : public std::runtime_error {
 public:
  InnerNodeError(NodeOutcome::Kind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  NodeOutcome::Kind kind() const { return kind_; }

 private:
  NodeOutcome::Kind kind_;
};

}  // namespace lp::internal

#endif  // LP_INTERNAL_NODE_OUTCOME_H_
