// The launcher's last words on a terminal: how each group's nodes ended, and the run time.
#ifndef LP_SRC_STATUS_EXIT_SUMMARY_H_
#define LP_SRC_STATUS_EXIT_SUMMARY_H_

#include <string>

#include "absl/time/time.h"
#include "src/status/node_status.h"

namespace lp::internal {

// E.g. "lp: program 'rl' ran 12.3 s: actor 4 exited; learner 1 failed; replay 1 exited
// (restarted 2 times)". One line, ending in a newline.
std::string ExitSummary(const ProgramStatus& program, absl::Time now);

}  // namespace lp::internal

#endif  // LP_SRC_STATUS_EXIT_SUMMARY_H_
