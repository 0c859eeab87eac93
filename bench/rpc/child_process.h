// A child process of bench_rpc: /proc/self/exe run again with arguments of its own, which
// answers lines written to its stdin with lines on its stdout. The servers of the
// two-process placements (server_process.h) and their clients (client_process.h) each run
// in one, so that no side's threads share a process with another side's.
#ifndef LP_BENCH_RPC_CHILD_PROCESS_H_
#define LP_BENCH_RPC_CHILD_PROCESS_H_

#include <sys/types.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace lp::bench {

// The parent's view of the child. Not thread-safe: one thread uses it. Construct it on a
// thread that lives as long as the child should (the main thread): the kernel sends the
// parent-death signal when the *thread* that forked ends. The child inherits this
// thread's CPU affinity and the environment.
class ChildProcess {
 public:
  // Forks and execs /proc/self/exe with `args`; `what` names the child in errors. Aborts on
  // error. The child dies with this process (PR_SET_PDEATHSIG), so a crashed or killed
  // benchmark leaves none behind.
  ChildProcess(std::string what, std::vector<std::string> args);
  // Closes the child's stdin, which tells it to end, and reaps it (SIGKILL after 5 s).
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // The child's next line, without its newline. Aborts if the child ended.
  std::string ReadLine();
  // Writes `request` and a newline, and returns the child's answer (ReadLine()).
  std::string Ask(std::string_view request);

 private:
  std::string what_;
  pid_t pid_ = -1;
  int to_child_ = -1;           // the child's stdin
  FILE* from_child_ = nullptr;  // the child's stdout
};

// Says `what` on stderr, prefixed "bench_rpc: ", and aborts: a benchmark whose processes
// cannot talk measures nothing.
[[noreturn]] void Die(const std::string& what);

// For the child: writes `line` and a newline to stdout, and flushes it.
void AnswerLine(const std::string& line);

}  // namespace lp::bench

#endif  // LP_BENCH_RPC_CHILD_PROCESS_H_
