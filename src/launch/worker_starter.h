#ifndef LP_SRC_LAUNCH_WORKER_STARTER_H_
#define LP_SRC_LAUNCH_WORKER_STARTER_H_

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "lp/process_config.h"
#include "src/launch/fork_server.h"
#include "src/process/spawn.h"
#include "src/process/unique_fd.h"
#include "src/terminal/node_process.h"
#include "src/terminal/terminal.h"

namespace lp::internal {

// Starts the workers of a process launch: forked by a fork server (fork_server.h) where
// one applies, exec'd through the terminal (Terminal::Launch) where not.
//
// A server stands for the command of the workers it forks, which must be the same but for
// the node's own variables: no wrapper and no extra flags of the group (they run, or
// change, what main() does before lp::Launch), and the same extra variables of the group
// (one server per distinct set, started with its first worker). Workers are exec'd as
// before when fork servers are off (--lp_fork_server=false), under terminals that start
// processes themselves (tmux_session, xterm, gnome-terminal), for groups with a wrapper or
// extra flags, and when their server cannot start (main() started threads before
// lp::Launch, a ThreadSanitizer build, ...) or fails to fork. Why, is printed on stderr
// ("lp: debug: ...") when LP_DEBUG is set in the launcher's environment.
//
// Thread safety: none; one thread starts the workers (ProcessBackend::Start), and the
// NodeProcesses it returns are as NodeProcess says.
class WorkerStarter {
 public:
  // The worker's end of a new connection to the coordinator
  // (CoordinatorServer::ConnectLocalWorker).
  using ConnectCoordinator = std::function<absl::StatusOr<UniqueFd>()>;

  // A forked worker reaches the coordinator through a connection of its own from
  // `connect_coordinator` when given (null: through kCoordinatorAddressEnv, as an exec'd
  // one always does).
  WorkerStarter(Terminal& terminal, bool use_fork_servers,
                ConnectCoordinator connect_coordinator = nullptr)
      : terminal_(terminal),
        use_fork_servers_(use_fork_servers),
        connect_coordinator_(std::move(connect_coordinator)) {}

  // The worker of `node_key` (of group `group`, configured with `config`, may be null),
  // with the command `spec`, which MakeWorkerSpec built from them.
  struct Worker {
    std::string node_key;
    std::string group;
    const ProcessConfig* config = nullptr;
    SpawnSpec spec;
  };

  // Starts `workers`; one result per worker, in order. The forks of one server are
  // requested together (ForkServer::ForkAll).
  std::vector<absl::StatusOr<std::unique_ptr<NodeProcess>>> Launch(std::vector<Worker> workers);

  // Ends the fork servers. Call once every worker they forked was waited for.
  void StopServers() { servers_.clear(); }

 private:
  // The server for workers like `spec`, started if need be; null when the worker is to
  // be exec'd.
  ForkServer* ServerFor(const std::string& group, const ProcessConfig* config,
                        const SpawnSpec& spec);
  void Debug(const std::string& group, const std::string& why);

  Terminal& terminal_;
  const bool use_fork_servers_;
  const ConnectCoordinator connect_coordinator_;
  // By the group's extra variables; null: that server could not start.
  std::map<std::map<std::string, std::string>, std::unique_ptr<ForkServer>> servers_;
  std::set<std::string> explained_;  // groups whose exec was explained (once each)
};

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_WORKER_STARTER_H_
