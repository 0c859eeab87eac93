#ifndef LP_SRC_PROCESS_FIND_PROGRAM_H_
#define LP_SRC_PROCESS_FIND_PROGRAM_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lp::internal {

// The absolute path of `name`: `name` itself when it contains a '/', otherwise the first
// executable file called `name` in $PATH. NotFound, naming the program and the PATH
// searched, when there is none: terminals and wrappers (tmux, numactl, ...) use this to
// say "X is not installed" before anything is started.
absl::StatusOr<std::string> FindProgram(absl::string_view name);

}  // namespace lp::internal

#endif  // LP_SRC_PROCESS_FIND_PROGRAM_H_
