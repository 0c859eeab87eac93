#ifndef LP_SRC_CORE_FORMAT_NOTICE_H_
#define LP_SRC_CORE_FORMAT_NOTICE_H_

#include <string>

#include "absl/time/time.h"

namespace lp::internal {

// A termination notice as every message writes it: "2s", "1.5s", "0s". Not
// absl::FormatDuration alone, which writes zero as "0" ("did not stop within 0 of the
// stop request" reads as a count, not a time). One function, so that every launcher and
// the worker say the same.
std::string FormatNotice(absl::Duration notice);

}  // namespace lp::internal

#endif  // LP_SRC_CORE_FORMAT_NOTICE_H_
