#ifndef LP_SRC_COORDINATOR_EXIT_REPORT_H_
#define LP_SRC_COORDINATOR_EXIT_REPORT_H_

// What a worker tells the launcher just before it exits. The launcher sees the exit code
// of the process anyway; the point is the message: "ValueError: bad config at line 3" is
// far more useful to the user than "exited with code 1".

#include <string>
#include <vector>

#include "lp/context.h"
#include "lp/internal/node_outcome.h"

namespace lp::internal {

struct ExitReport {
  NodeId node;
  // The process's exit code: 0 when the node simply ended.
  int exit_code = 0;
  // Why the node ends, e.g. the message of the exception that failed it; may be empty.
  std::string message;
  // The last lines the node printed, oldest first; may be empty.
  std::vector<std::string> last_output_lines;
  // The node failed because a call it made failed (NodeOutcome::Kind::kCallFailed).
  bool call_failed = false;

  bool failed() const { return exit_code != 0; }

  // One readable paragraph: "node consumer/0 failed (exit code 1): <message>" followed by
  // the last output lines, if any.
  std::string Describe() const;
};

// How the node ended, by its report: kReturned for exit code 0, else kCallFailed or
// kFailed with the report's message (its exit code when it has none).
NodeOutcome OutcomeOf(const ExitReport& report);

}  // namespace lp::internal

#endif  // LP_SRC_COORDINATOR_EXIT_REPORT_H_
