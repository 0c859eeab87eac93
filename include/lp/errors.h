#ifndef LP_ERRORS_H_
#define LP_ERRORS_H_

#include <stdexcept>
#include <string>

namespace lp {

// Thrown while a program is being built: an empty or conflicting label, nested groups, a
// node added twice. The message names the offending label and says what to do instead.
class ProgramError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Thrown when something that only exists inside a running program is used outside one:
// a handle dereferenced before lp::Launch, or lp::StopEvent() with no program launched.
class NotLaunchedError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

}  // namespace lp

#endif  // LP_ERRORS_H_
