#ifndef LP_SRC_COORDINATOR_COORDINATOR_SERVICE_H_
#define LP_SRC_COORDINATOR_COORDINATOR_SERVICE_H_

// The coordinator's state and the RPCs over it, independent of how it is served.
//
// The service uses gRPC's callback API: a Resolve waiting for an address or an open
// WatchStop stream is a parked reactor object, not a blocked thread. A synchronous server
// would need one thread per waiting call, and a program of 100+ nodes all resolving each
// other at start-up would deadlock a bounded pool (or need hundreds of threads).

#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "lp/context.h"
#include "lp/coordinator.grpc.pb.h"
#include "src/coordinator/address_table.h"
#include "src/coordinator/exit_report.h"
#include "src/coordinator/metrics_collection.h"
#include "src/coordinator/node_registry.h"
#include "src/coordinator/stop_broadcast.h"

namespace lp::internal {

// What the launcher hears of, through callbacks. They run on a gRPC thread (or, for a
// stop the launcher requested itself, on the requesting thread), outside every lock of
// the coordinator; they should return quickly and must not shut the coordinator down.
struct CoordinatorHooks {
  // Called once, when the program starts stopping, with the reason.
  std::function<void(const std::string& reason)> on_stop;
  // Called for every exit report a worker sends.
  std::function<void(const ExitReport& report)> on_exit_report;
  // Called when a worker's WatchStop stream ends before the program stops: its process
  // ended (after its exit report, if it sent one) or its connection broke (a crash, a
  // cut network: see CoordinatorOptions::keepalive_interval).
  std::function<void(const NodeId& node)> on_watch_lost;
  // Called for every worker that registered (the status page's "registered").
  std::function<void(const NodeRegistration& registration)> on_register;
  // Called when a worker opened its WatchStop stream; `program_started`: the start has
  // been given, so every worker watching runs.
  std::function<void(const NodeId& node, bool program_started)> on_watch;
  // Called for every address a worker publishes.
  std::function<void(const NodeId& node, const std::string& endpoint,
                     const std::string& address)>
      on_publish;
};

// What the workers reported when the coordinator collected their metrics.
struct WorkerMetrics {
  int asked = 0;  // the workers asked (open WatchStop streams)
  std::vector<MetricsCollections::Report> reports;  // one per worker that answered in time
};

// Thread safety: every method may be called from any thread.
class CoordinatorService final : public coordinator::Coordinator::CallbackService {
 public:
  // `arguments` and `start_after`: see CoordinatorOptions.
  CoordinatorService(
      std::string program_name, std::string fingerprint, std::vector<NodeId> nodes,
      std::string token, CoordinatorHooks hooks,
      absl::flat_hash_map<NodeId, std::vector<coordinator::NodeArguments>> arguments = {},
      std::vector<NodeId> start_after = {});

  // Stops the program: tells every WatchStop stream, fails every waiting and later
  // Resolve of an unpublished address, then calls the on_stop hook. True for the call
  // that started the stop.
  bool StopProgram(std::string reason);
  // See CoordinatorServer::AnnounceNodesEnded.
  void AnnounceNodesEnded(std::vector<NodeId> nodes, std::string how) {
    stop_.NodesEnded(std::move(nodes), std::move(how));
  }

  // Asks every worker with an open WatchStop stream for its process's metrics and waits
  // for their reports, but no longer than `timeout`. Nothing is asked of anyone before:
  // an idle program exchanges no metrics.
  WorkerMetrics CollectWorkerMetrics(absl::Duration timeout);

  // The coordinator goes away without a stop: ends every WatchStop stream with an error
  // (workers see "coordinator lost") and fails every waiting Resolve.
  void Close();

  // Publish and Resolve for the coordinator's own process, without an RPC or a token: the
  // checks of the RPCs, and the errors a CoordinatorClient's would return.
  absl::Status PublishAddress(const NodeId& node, const std::string& endpoint,
                              const std::string& address);
  absl::StatusOr<std::string> ResolveAddress(const NodeId& node, const std::string& endpoint,
                                             absl::Time deadline);

  const NodeRegistry& nodes() const { return nodes_; }
  const StopBroadcast& stop() const { return stop_; }
  const AddressTable& addresses() const { return addresses_; }

  // The RPCs; see proto/lp/coordinator.proto.
  grpc::ServerUnaryReactor* Register(grpc::CallbackServerContext* context,
                                     const coordinator::RegisterRequest* request,
                                     coordinator::RegisterResponse* response) override;
  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* context,
                                    const coordinator::PublishRequest* request,
                                    coordinator::PublishResponse* response) override;
  grpc::ServerUnaryReactor* Resolve(grpc::CallbackServerContext* context,
                                    const coordinator::ResolveRequest* request,
                                    coordinator::ResolveResponse* response) override;
  grpc::ServerUnaryReactor* RequestStop(grpc::CallbackServerContext* context,
                                        const coordinator::StopRequest* request,
                                        coordinator::StopResponse* response) override;
  grpc::ServerWriteReactor<coordinator::StopNotice>* WatchStop(
      grpc::CallbackServerContext* context, const coordinator::WatchStopRequest* request) override;
  grpc::ServerUnaryReactor* ReportExit(grpc::CallbackServerContext* context,
                                       const coordinator::ExitReport* request,
                                       coordinator::ReportExitResponse* response) override;
  grpc::ServerUnaryReactor* ReportMetrics(grpc::CallbackServerContext* context,
                                          const coordinator::MetricsReport* request,
                                          coordinator::ReportMetricsResponse* response) override;

 private:
  // Unauthenticated unless the call carries this launch's token.
  absl::Status CheckToken(const grpc::CallbackServerContext& context) const;

  const std::string token_;
  const CoordinatorHooks hooks_;
  const absl::flat_hash_map<NodeId, std::vector<coordinator::NodeArguments>> arguments_;
  NodeRegistry nodes_;
  AddressTable addresses_;
  StopBroadcast stop_;
  MetricsCollections metrics_;
};

}  // namespace lp::internal

#endif  // LP_SRC_COORDINATOR_COORDINATOR_SERVICE_H_
