// Two-process mode: an echo server in a child process (child_process.h), bench_rpc itself
// run again as
//   bench_rpc --serve=SIDE
// The child starts the server on 127.0.0.1, writes one line "PORT PLACEMENT" (where its
// threads may run, as ThreadPlacement() says) to its stdout, then answers each line
// "usage" on its stdin with what it has used (FormatUsage(ProcessUsageSoFar()):
// getrusage RUSAGE_SELF, CPU to the microsecond, since /proc/<pid>/stat would only count
// 10 ms ticks; malloc_count.h), and ends when its stdin closes.
#ifndef LP_BENCH_RPC_SERVER_PROCESS_H_
#define LP_BENCH_RPC_SERVER_PROCESS_H_

#include <sys/types.h>

#include <string>

#include "bench/rpc/child_process.h"
#include "bench/rpc/echo_client.h"
#include "bench/rpc/placement.h"

namespace lp::bench {

// The parent's view of a server child. Not thread-safe: one thread uses it. Construct it
// on a thread that lives as long as the child should (ChildProcess).
class ServerProcess {
 public:
  // Starts the child and reads its first line. Aborts on error.
  explicit ServerProcess(Side side);

  pid_t pid() const { return child_.pid(); }
  int port() const { return port_; }
  // Where the child's threads may run, as it reported once its server ran.
  const std::string& placement() const { return placement_; }
  // What the child has used so far (asks it).
  ProcessUsage UsageSoFar();

 private:
  ChildProcess child_;
  int port_ = 0;
  std::string placement_;
};

// The child's side: serves `side` as described above. Returns the exit code.
int ServeUntilStdinCloses(Side side);

}  // namespace lp::bench

#endif  // LP_BENCH_RPC_SERVER_PROCESS_H_
