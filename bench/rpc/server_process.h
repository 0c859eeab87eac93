// Two-process mode: an echo server in a child process, bench_rpc itself run again as
//   bench_rpc --serve=SIDE
// The child starts the server on 127.0.0.1, writes one line "PORT PLACEMENT" (where its
// threads may run, as ThreadPlacement() says) to its stdout, then answers each line
// "usage" on its stdin with what it has used: "CPU_SECONDS PAGE_FAULTS CONTEXT_SWITCHES
// MALLOCS" (ProcessUsageSoFar(): getrusage RUSAGE_SELF, CPU to the microsecond, since
// /proc/<pid>/stat would only count 10 ms ticks; malloc_count.h), and ends when its stdin
// closes. It also dies with this process (PR_SET_PDEATHSIG), so a crashed or killed
// benchmark leaves no server behind.
#ifndef LP_BENCH_RPC_SERVER_PROCESS_H_
#define LP_BENCH_RPC_SERVER_PROCESS_H_

#include <sys/types.h>

#include <cstdio>
#include <string>

#include "bench/rpc/echo_client.h"
#include "bench/rpc/placement.h"

namespace lp::bench {

// The parent's view of a server child. Not thread-safe: one thread uses it. Construct it
// on a thread that lives as long as the child should (the main thread): the kernel sends
// the parent-death signal when the *thread* that forked ends.
class ServerProcess {
 public:
  // Forks and execs /proc/self/exe --serve=SIDE, and reads its first line. Aborts on error.
  explicit ServerProcess(Side side);
  // Closes the child's stdin, so that it shuts its server down and exits, and reaps it
  // (SIGKILL after 5 s).
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  // Where the child's threads may run, as it reported once its server ran.
  const std::string& placement() const { return placement_; }
  // What the child has used so far (asks it).
  ProcessUsage UsageSoFar();

 private:
  std::string ReadLine();

  pid_t pid_ = -1;
  int to_child_ = -1;           // the child's stdin
  FILE* from_child_ = nullptr;  // the child's stdout
  int port_ = 0;
  std::string placement_;
};

// The child's side: serves `side` as described above. Returns the exit code.
int ServeUntilStdinCloses(Side side);

}  // namespace lp::bench

#endif  // LP_BENCH_RPC_SERVER_PROCESS_H_
