#ifndef LP_SRC_COORDINATOR_COORDINATOR_SERVER_H_
#define LP_SRC_COORDINATOR_COORDINATOR_SERVER_H_

// The coordinator as the launcher runs it: a gRPC server inside the launcher process that
// every worker process (this host or another) registers with, publishes and resolves
// addresses through, and hears the stop from. The launcher talks to it in-process through
// the methods below.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <grpcpp/server.h>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lp/context.h"
#include "src/coordinator/coordinator_service.h"
#include "src/courier/rpc/transport_security.h"
#include "src/process/unique_fd.h"

namespace lp::internal {

struct CoordinatorOptions {
  std::string program_name;
  // The launcher's topology fingerprint (fingerprint.h); workers must present the same.
  std::string fingerprint;
  // Every node a worker may register as.
  std::vector<NodeId> nodes;
  // What a worker registering as a node gets back with its registration: the launcher's
  // arguments of the node and of its inner nodes. A node not listed gets none.
  absl::flat_hash_map<NodeId, std::vector<coordinator::NodeArguments>> arguments;
  // The nodes whose workers must all be ready (their arguments matched, their WatchStop
  // stream open) before any node runs: the start notice goes to every worker then, and at
  // once to later ones. Empty: no wait. (A launch lists its top-level nodes; the inner
  // processes of a colocation start later, from a worker that checked their arguments.)
  std::vector<NodeId> start_after;
  // The per-launch secret every call must carry (MakeToken() in token.h).
  std::string token;
  // Where to listen. Port 0 picks a free port. "127.0.0.1:0" serves only this host;
  // "0.0.0.0:0" (or "[::]:0") is for workers on other machines.
  std::string bind_address = "127.0.0.1:0";
  // When positive, the coordinator pings every worker connection this often and drops
  // one whose ping goes unanswered for keepalive_timeout: what turns a worker behind a
  // cut network (no FIN, no RST) into hooks.on_watch_lost. Zero for workers on this host,
  // whose end the kernel always reports.
  absl::Duration keepalive_interval = absl::ZeroDuration();
  absl::Duration keepalive_timeout = absl::Seconds(10);
  // The launch's mutual TLS (every worker then connects with it); null: plain TCP.
  std::shared_ptr<const rpc::TransportSecurity> transport;
  CoordinatorHooks hooks;
};

// Thread safety: every method may be called from any thread, except that Shutdown() (and
// so the destructor) must not be called from a hook.
class CoordinatorServer {
 public:
  // Starts serving; fails if the address cannot be bound or the token is empty.
  static absl::StatusOr<std::unique_ptr<CoordinatorServer>> Start(CoordinatorOptions options);

  // Shuts down at once (see Shutdown).
  ~CoordinatorServer();

  CoordinatorServer(const CoordinatorServer&) = delete;
  CoordinatorServer& operator=(const CoordinatorServer&) = delete;

  // The port actually bound.
  int port() const { return port_; }

  // A connection to this coordinator for a worker on this host, as a descriptor to hand
  // it (a socketpair, the other end served here). It skips what a connection to port()
  // costs the worker before its first call: the TCP connection, gRPC's name resolution,
  // load balancing and subchannel. Private to the two processes, so it needs no TLS even
  // when the launch uses it: calls on it are checked for the token like any. Unavailable
  // once shut down.
  absl::StatusOr<UniqueFd> ConnectLocalWorker();

  // Stops the program (Ctrl+C in the launcher, a failed node, ...): every worker's
  // WatchStop stream gets the stop notice and ends cleanly; Resolve of unpublished
  // addresses fails with Unavailable. True for the call that started the stop.
  bool RequestStop(std::string reason) { return service_.StopProgram(std::move(reason)); }

  // Tells every worker that `nodes` (a node and its inner nodes) ended while the program
  // goes on (`how`: "exited with code 0"), so that calls to them fail fast. Nothing once
  // the program stops.
  void AnnounceNodesEnded(std::vector<NodeId> nodes, std::string how) {
    service_.AnnounceNodesEnded(std::move(nodes), std::move(how));
  }

  // Collects the metrics of every worker process (see
  // CoordinatorService::CollectWorkerMetrics): at most `timeout`.
  WorkerMetrics CollectWorkerMetrics(absl::Duration timeout) {
    return service_.CollectWorkerMetrics(timeout);
  }

  // The stop event (set once the program stops, whoever asked), its reason and the
  // number of open WatchStop streams.
  const StopBroadcast& stop() const { return service_.stop(); }

  // The nodes: who registered (pid, hostname, peer) and the exit reports received.
  const NodeRegistry& nodes() const { return service_.nodes(); }

  // See CoordinatorService::PublishAddress and ResolveAddress: for the launcher's own
  // process (LauncherAddressBook), without a call over the network.
  absl::Status PublishAddress(const NodeId& node, const std::string& endpoint,
                              const std::string& address) {
    return service_.PublishAddress(node, endpoint, address);
  }
  absl::StatusOr<std::string> ResolveAddress(const NodeId& node, const std::string& endpoint,
                                             absl::Time deadline) {
    return service_.ResolveAddress(node, endpoint, deadline);
  }

  // The published addresses and the resolves waiting for others (diagnostics, tests).
  const AddressTable& addresses() const { return service_.addresses(); }

  // Ends the service. Streams still open get an error unless the program was stopped
  // first (RequestStop), so workers still running learn the coordinator is gone; calls
  // still running after `deadline` are cancelled. Idempotent; waits until the server is
  // down.
  void Shutdown(absl::Time deadline = absl::Now());

 private:
  explicit CoordinatorServer(CoordinatorOptions options);

  CoordinatorService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  // Held for the whole of Shutdown(), so a second caller returns only once the server is
  // down.
  std::mutex shutdown_mu_;
  bool shut_down_ = false;  // guarded by shutdown_mu_
};

}  // namespace lp::internal

#endif  // LP_SRC_COORDINATOR_COORDINATOR_SERVER_H_
