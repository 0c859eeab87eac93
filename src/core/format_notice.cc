#include "src/core/format_notice.h"

namespace lp::internal {

std::string FormatNotice(absl::Duration notice) {
  if (notice == absl::ZeroDuration()) return "0s";
  return absl::FormatDuration(notice);
}

}  // namespace lp::internal
