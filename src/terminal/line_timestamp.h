#ifndef LP_SRC_TERMINAL_LINE_TIMESTAMP_H_
#define LP_SRC_TERMINAL_LINE_TIMESTAMP_H_

#include <string>

#include "absl/time/time.h"

namespace lp::internal {

// The --lp_log_timestamps prefix of a node's output line: `time` in UTC, ISO 8601 with
// microseconds, e.g. "2026-12-02T10:01:02.123456Z". Fixed width, so that the lines of
// many nodes' files sort by time with `sort`.
std::string LineTimestamp(absl::Time time);

}  // namespace lp::internal

#endif  // LP_SRC_TERMINAL_LINE_TIMESTAMP_H_
