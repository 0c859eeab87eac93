#ifndef LP_SRC_PROCESS_EXIT_INFO_H_
#define LP_SRC_PROCESS_EXIT_INFO_H_

#include <string>

namespace lp::internal {

// How a process ended: it exited with a code, or a signal killed it.
struct ExitInfo {
  // From a raw waitpid() status.
  static ExitInfo FromWaitStatus(int wait_status);
  // From a shell's "$?", where 128+N means "killed by signal N". Used where the exit was
  // observed by a wrapper shell rather than by waitpid (terminal windows).
  static ExitInfo FromShellStatus(int shell_status);
  static ExitInfo Exited(int code) { return ExitInfo{code, 0}; }
  static ExitInfo Signaled(int signal) { return ExitInfo{0, signal}; }

  bool signaled() const { return signal != 0; }
  // True for a clean exit with code 0.
  bool success() const { return signal == 0 && exit_code == 0; }

  // For messages: "exited with code 3", "killed by signal 9 (SIGKILL)",
  // "segmentation fault (signal 11, SIGSEGV)".
  std::string ToString() const;

  int exit_code = 0;  // meaningful when signal == 0
  int signal = 0;     // the signal that ended the process, or 0
};

// "SIGKILL", "SIGSEGV", ... or "signal 42" for the ones without a name.
std::string SignalName(int signal);

}  // namespace lp::internal

#endif  // LP_SRC_PROCESS_EXIT_INFO_H_
