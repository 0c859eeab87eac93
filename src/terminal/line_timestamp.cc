#include "src/terminal/line_timestamp.h"

namespace lp::internal {

std::string LineTimestamp(absl::Time time) {
  // %E6S: seconds with exactly six fractional digits.
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone());
}

}  // namespace lp::internal
