// Each side's client in a process of its own (child_process.h), bench_rpc itself run
// again as
//   bench_rpc --call=SIDE --port=PORT [--raw_waited=queue]     (two-process placements)
//   bench_rpc --call=SIDE --here=socket|in-process [--raw_waited=queue]   (one-process)
// so that no side's threads share a process with another side's, as in a real program:
// gRPC's callback API starts threads that poll every socket of their process (gRPC's
// epoll1), and so does lp's reply queue, and in one process they took part in the other
// sides' calls (docs/performance.md, "Each side in processes of its own").
// With --port the child connects a client of SIDE to the server listening on
// 127.0.0.1:PORT (lp's through the Unix socket that server listens on too, as in an lp
// program); with --here it starts SIDE's server itself and connects to it over a socket
// or through gRPC's in-process transport. It writes one line, where its threads may run
// (ThreadPlacement()), then answers each line on its stdin:
//   EncodeSettings(...)  applies them; answers "ok"
//   EncodeJob(...)       runs it (RunClientJob); answers EncodeRun(...)
// and ends when its stdin closes.
#ifndef LP_BENCH_RPC_CLIENT_PROCESS_H_
#define LP_BENCH_RPC_CLIENT_PROCESS_H_

#include <sys/types.h>

#include <string>

#include "bench/rpc/child_process.h"
#include "bench/rpc/client_job.h"
#include "bench/rpc/echo_client.h"

namespace lp::bench {

// Where a client child's server is.
struct ServerOf {
  int port = 0;  // in another process, on 127.0.0.1:port; or, when 0,
  Transport here = Transport::kTcp;  // started by the child itself, and called this way
};

// The parent's view of a client child. Not thread-safe: one thread uses it. Construct it
// on a thread that lives as long as the child should (ChildProcess).
class ClientProcess {
 public:
  // Starts the child and waits until its client is connected. Aborts on error.
  // `raw_waited_queue`: SetWaitedThroughQueue(true) in the child.
  ClientProcess(Side side, ServerOf server, bool raw_waited_queue);

  pid_t pid() const { return child_.pid(); }
  // Where the child's threads may run, as it reported once its client was connected.
  const std::string& placement() const { return placement_; }

  void Apply(const ClientSettings& settings);
  ClientRun Run(const ClientJob& job);

 private:
  ChildProcess child_;
  std::string placement_;
};

// The child's side, as described above. `args` are the arguments after --call=SIDE.
// Returns the exit code.
int CallUntilStdinCloses(Side side, int argc, char** argv);

}  // namespace lp::bench

#endif  // LP_BENCH_RPC_CLIENT_PROCESS_H_
