#ifndef LP_SRC_LAUNCH_PROGRAM_RUNTIME_H_
#define LP_SRC_LAUNCH_PROGRAM_RUNTIME_H_

#include <memory>
#include <string>

#include "lp/internal/runtime.h"

namespace lp::internal {

// A new Runtime for program `program_name` launched as `launch_type`: its stop state, its
// address book and its call scopes. Its first stop handler cancels every Courier call made
// through it (callers get lp::ProgramStoppedError), so that no node stays blocked in a
// call while the program stops; the handlers registered later run after that.
std::shared_ptr<Runtime> NewRuntime(std::string program_name, LaunchType launch_type,
                                    std::shared_ptr<AddressBook> addresses);

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_PROGRAM_RUNTIME_H_
