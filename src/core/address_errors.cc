#include "src/core/address_errors.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace lp::internal {

absl::Status NotPublishedError(const NodeId& node, std::string_view endpoint) {
  return absl::DeadlineExceededError(absl::StrCat(
      "node ", node.ToString(), " did not publish its ", std::string(endpoint),
      " address before the deadline; is it still starting, or did it fail?"));
}

absl::Status ProgramStoppingError(const NodeId& node) {
  return absl::UnavailableError(
      absl::StrCat("node ", node.ToString(), " cannot be reached: the program is stopping"));
}

}  // namespace lp::internal
