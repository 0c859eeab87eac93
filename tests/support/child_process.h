#ifndef LP_TESTS_SUPPORT_CHILD_PROCESS_H_
#define LP_TESTS_SUPPORT_CHILD_PROCESS_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace lp::testing {

// A program run by a test: its stdout and stderr (merged) are captured, so that the test
// can wait for a line that proves the program reached a state before acting on it.
//
// Thread safety: none; use from one thread.
class ChildProcess {
 public:
  // Where the child's stdout and stderr go: a pipe, or a pseudo-terminal (the child then
  // behaves as it does in a user's terminal: isatty() is true).
  enum class Output { kPipe, kTerminal };

  // Starts argv[0] (a path) with `argv`. Extra environment entries are "KEY=value".
  explicit ChildProcess(std::vector<std::string> argv, std::vector<std::string> env = {},
                        Output output = Output::kPipe);
  ~ChildProcess();  // kills the child if it still runs
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Reads output until it contains `text` or `timeout` passes. True when found.
  bool WaitForOutput(const std::string& text, absl::Duration timeout);

  // Reads output until it matches `pattern` (ECMAScript) or `timeout` passes. The first
  // capture group of the first match (the whole match if none), or "" when none came.
  std::string WaitForMatch(const std::string& pattern, absl::Duration timeout);

  void Signal(int signal_number);

  // Waits for the child to end (reading its output meanwhile). The raw wait status, or
  // nullopt on timeout.
  std::optional<int> WaitForExit(absl::Duration timeout);

  // The stacks of every thread of the child and of its descendants, as gdb prints them: for
  // a test's failure message when the child hangs, so that a hang seen once (in CI, on a
  // loaded machine) can be read from the log. "" once the child has ended; says so when
  // gdb is not installed.
  std::string Stacks() const;

  // Everything the child printed so far.
  const std::string& output() const { return output_; }

 private:
  // Reads what is available within `timeout`. False at end of output.
  bool ReadSome(absl::Duration timeout);
  bool HasPendingOutput() const;

  pid_t pid_ = -1;
  int output_fd_ = -1;
  std::string output_;
  std::optional<int> status_;
};

// The directory of the running test binary: examples and helper programs are found
// relative to it.
std::string BuildDir();

}  // namespace lp::testing

#endif  // LP_TESTS_SUPPORT_CHILD_PROCESS_H_
