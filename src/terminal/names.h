#ifndef LP_SRC_TERMINAL_NAMES_H_
#define LP_SRC_TERMINAL_NAMES_H_

#include <string>

#include "absl/strings/string_view.h"

namespace lp::internal {

// `name` with every character other than [A-Za-z0-9_-] replaced by '_', and "lp" when
// empty: safe as a file name, a directory prefix or a tmux session name (tmux reserves
// '.' and ':' for targets).
std::string SanitizeName(absl::string_view name);

// A node key "group/index" as a file name stem: "group.index".
std::string NodeFileStem(absl::string_view node_key);

}  // namespace lp::internal

#endif  // LP_SRC_TERMINAL_NAMES_H_
