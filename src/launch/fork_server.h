#ifndef LP_SRC_LAUNCH_FORK_SERVER_H_
#define LP_SRC_LAUNCH_FORK_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "src/process/spawn.h"
#include "src/process/unique_fd.h"
#include "src/terminal/node_process.h"
#include "src/terminal/terminal.h"

namespace lp::internal {

// The launcher's side of a fork server (issue 13): one worker process, exec'd like any
// other, that runs main() up to lp::Launch once and there, still single-threaded (no gRPC
// thread exists yet), forks the launch's workers as the launcher asks (serve_forks.h).
// Each worker then skips what an exec'd one pays for again: exec, the dynamic loader,
// static initialisation and main() up to lp::Launch.
//
// The server is the workers' parent, not the launcher: it reports each worker's pid when
// it forked it and its raw wait status when it reaped it (fork_server_protocol.h), and
// Fork returns a NodeProcess that waits for that report. Killing works as for any worker
// (by pid, tree and process group: KillProcessTree needs no parent). The server dies with
// the launcher (SpawnSpec::kill_on_parent_death), and every worker with the server, its
// parent, through the worker's own parent-death handling (die_with_parent.h), which kills
// the node's processes too. Should the server end while workers run, they end with it;
// their NodeProcesses report that the exit status is unknown.
//
// Thread safety: Fork may be called from any thread (requests are served one at a time);
// the NodeProcesses are as NodeProcess says. Synchronized with std::mutex and
// std::condition_variable, not absl::Mutex: Debian's Abseil is not built for
// ThreadSanitizer.
class ForkServer {
 public:
  // Starts `spec` (the command of a worker, whose variables the server keeps for the
  // workers it forks) through `terminal` as `key`, and waits until the server reached
  // lp::Launch and is ready, at most until `deadline`. FailedPrecondition with the reason
  // when it cannot serve (main() started threads; the server ended before lp::Launch),
  // DeadlineExceeded when it was not ready in time; the server is gone either way.
  static absl::StatusOr<std::unique_ptr<ForkServer>> Start(Terminal& terminal,
                                                           const std::string& key,
                                                           SpawnSpec spec, absl::Time deadline);

  // Closes the connection, upon which the server exits, and waits for that. Destroy the
  // workers' NodeProcesses first: the ones still running are killed meanwhile.
  ~ForkServer();
  ForkServer(const ForkServer&) = delete;
  ForkServer& operator=(const ForkServer&) = delete;

  // A worker to fork: `env` set in it (added to, or replacing, the server's own), its
  // stdout and stderr on `output`. `coordinator`, if valid, is the worker's end of its own
  // connection to the coordinator (kCoordinatorFdEnv names it in the worker).
  struct Request {
    std::vector<std::pair<std::string, std::string>> env;
    UniqueFd output;
    UniqueFd coordinator;
  };

  // Forks a worker per request, in order; one result per request. The requests go out
  // back to back and the server forks each as it reads it, without waiting for the
  // launcher between two forks (0.3-0.45 ms each time, at 100 workers on 2 cores;
  // docs/performance.md, "Forks asked for in batches").
  std::vector<absl::StatusOr<std::unique_ptr<NodeProcess>>> ForkAll(
      std::vector<Request> requests);

  pid_t pid() const { return server_->pid(); }

  struct State;  // shared with the reader thread and the workers' NodeProcesses

 private:
  ForkServer(std::unique_ptr<NodeProcess> server, UniqueFd socket);
  void Read();

  std::unique_ptr<NodeProcess> server_;
  UniqueFd socket_;
  std::shared_ptr<State> state_;
  std::mutex fork_mu_;  // held by ForkAll from its requests to their replies
  std::thread reader_;  // last: starts once everything above exists
};

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_FORK_SERVER_H_
