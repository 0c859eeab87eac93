// Debian's Abseil is built with its own absl::string_view (not an alias of
// std::string_view), so the two do not convert implicitly. This is the one bridge.
#ifndef LP_INTERNAL_SERIALIZATION_ABSL_VIEW_H_
#define LP_INTERNAL_SERIALIZATION_ABSL_VIEW_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace lp::internal {

inline absl::string_view AbslView(std::string_view s) { return {s.data(), s.size()}; }
inline std::string_view StdView(absl::string_view s) { return {s.data(), s.size()}; }

}  // namespace lp::internal

#endif  // LP_INTERNAL_SERIALIZATION_ABSL_VIEW_H_
