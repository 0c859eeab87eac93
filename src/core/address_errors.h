#ifndef LP_SRC_CORE_ADDRESS_ERRORS_H_
#define LP_SRC_CORE_ADDRESS_ERRORS_H_

// The errors of an AddressBook's Resolve (lp/internal/runtime.h), the same whichever book
// answers: threads of one process, the coordinator in the launcher, or a worker's client
// of it.

#include <string_view>

#include "absl/status/status.h"
#include "lp/context.h"

namespace lp::internal {

// DeadlineExceeded: `node` did not publish `endpoint` before the resolve's deadline.
absl::Status NotPublishedError(const NodeId& node, std::string_view endpoint);

// Unavailable: the program is stopping, so `node` will publish nothing more.
absl::Status ProgramStoppingError(const NodeId& node);

}  // namespace lp::internal

#endif  // LP_SRC_CORE_ADDRESS_ERRORS_H_
