#ifndef LP_SRC_COORDINATOR_COORDINATOR_CLIENT_H_
#define LP_SRC_COORDINATOR_COORDINATOR_CLIENT_H_

// A worker process's connection to its launcher's coordinator: registration, the address
// book of the program (Publish/Resolve), stop requests, the stop watch and exit reports.
// Works the same whether the coordinator is on this host or another (Slurm).

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lp/context.h"
#include "lp/coordinator.grpc.pb.h"
#include "lp/internal/runtime.h"
#include "src/coordinator/exit_report.h"
#include "src/coordinator/stop_watch.h"
#include "src/courier/rpc/transport_security.h"
#include "src/process/unique_fd.h"

namespace lp::internal {

struct CoordinatorClientOptions {
  // "host:port" of the coordinator (kCoordinatorAddressEnv).
  std::string address;
  // When valid, the connection to use instead of connecting to `address`, which then
  // only names the coordinator in messages: a worker's end of
  // CoordinatorServer::ConnectLocalWorker (kCoordinatorFdEnv).
  UniqueFd connection;
  // The launch's token (kCoordinatorTokenEnv).
  std::string token;
  // The deadline of every call but Resolve, whose caller gives its own.
  absl::Duration call_timeout = absl::Seconds(30);
  // How often an idle connection is pinged, and how long a ping may go unanswered before
  // the connection counts as broken. This is what notices a cut network (no FIN/RST ever
  // arrives) and turns it into "coordinator lost" on the stop watch.
  absl::Duration keepalive_interval = absl::Seconds(10);
  absl::Duration keepalive_timeout = absl::Seconds(10);
  // The launch's mutual TLS, as the coordinator serves it; null: plain TCP.
  std::shared_ptr<const rpc::TransportSecurity> transport;
};

// Thread safety: every method may be called from any thread.
class CoordinatorClient final : public AddressBook {
 public:
  // Creates the client; connecting happens on the first call. Fails only on bad options.
  static absl::StatusOr<std::unique_ptr<CoordinatorClient>> Create(
      CoordinatorClientOptions options);
  // Create() with the address, token and connection (if any) from the environment the
  // launcher set (worker_environment.h), connecting with `transport` (the launch's TLS;
  // null: plain TCP). Removes kCoordinatorFdEnv from the environment: the connection is
  // this client's alone.
  static absl::StatusOr<std::unique_ptr<CoordinatorClient>> FromEnvironment(
      std::shared_ptr<const rpc::TransportSecurity> transport);

  // Closes the stop watch, if any (see StopWatch::~StopWatch).
  ~CoordinatorClient() override;

  CoordinatorClient(const CoordinatorClient&) = delete;
  CoordinatorClient& operator=(const CoordinatorClient&) = delete;

  const std::string& address() const { return options_.address; }

  // Announces that this process runs `node`, with this process's pid and hostname.
  // Returns the program's name. FailedPrecondition when `fingerprint` differs from the
  // launcher's (the message shows where the programs differ), NotFound for a node the
  // launcher does not know. Waits up to call_timeout for the coordinator to be reachable.
  // `arguments`, if given, receives the launcher's arguments of the node and of its inner
  // nodes (CoordinatorOptions::arguments).
  absl::StatusOr<std::string> Register(
      const NodeId& node, std::string_view fingerprint,
      std::vector<coordinator::NodeArguments>* arguments = nullptr);

  // AddressBook. Resolve waits server-side until `node` publishes `endpoint`: no polling.
  // DeadlineExceeded names the node; Unavailable once the program stops (or when the
  // coordinator cannot be reached).
  absl::Status Publish(const NodeId& node, std::string_view endpoint,
                       std::string address) override;
  absl::StatusOr<std::string> Resolve(const NodeId& node, std::string_view endpoint,
                                      absl::Time deadline) override;

  // Asks the whole program to stop. True if this request started the stop. Once this
  // client's stop watch has heard the stop notice, returns false without a call: the
  // coordinator is stopping already (every worker's stop handlers ask, and 1000 workers
  // told to stop all asking back kept the launcher busy answering while they waited).
  absl::StatusOr<bool> RequestStop(std::string_view reason,
                                   std::optional<NodeId> requested_by = std::nullopt);

  // Tells the launcher why this worker ends; call just before exiting.
  absl::Status ReportExit(const ExitReport& report);

  // Sends this process's metrics (metrics::CollectProcessMetrics()) as `node`'s worker's
  // answer to the metrics collection `collection`, within call_timeout and 10 s. The stop
  // watch does this by itself whenever the coordinator asks.
  absl::Status ReportMetrics(std::uint64_t collection, const NodeId& node);

  // Opens the stop watch, which tells the coordinator that `node`'s worker is ready to
  // run it: `on_start` runs when the program may start (every worker the launch waits for
  // is ready), `on_stop` when the program stops, `on_lost` when the coordinator is lost
  // first; at most one of the last two, once, all on the watch's own thread (see
  // stop_watch.h). One watch per client: FailedPrecondition on a second call. The watch
  // also answers the coordinator's requests for this process's metrics (ReportMetrics), on
  // its thread, after the callbacks before them.
  absl::Status WatchStop(const NodeId& node, StopWatch::OnStop on_stop,
                         StopWatch::OnLost on_lost,
                         StopWatch::OnNodesEnded on_nodes_ended = nullptr,
                         StopWatch::OnStart on_start = nullptr);

  // The IP of this machine as the coordinator's network sees it: what this worker's
  // servers should publish when workers run on several machines.
  absl::StatusOr<std::string> LocalAddress() const;

 private:
  CoordinatorClient(CoordinatorClientOptions options, UniqueFd connection);

  // A context carrying the token, with `deadline` (none if infinite).
  std::unique_ptr<grpc::ClientContext> NewContext(absl::Time deadline) const;
  // `status` with the coordinator and the failed call named.
  absl::Status Failed(std::string_view call, const grpc::Status& status) const;

  const CoordinatorClientOptions options_;
  std::unique_ptr<coordinator::Coordinator::Stub> stub_;

  std::mutex mu_;
  std::unique_ptr<StopWatch> watch_;  // guarded by mu_
};

}  // namespace lp::internal

#endif  // LP_SRC_COORDINATOR_COORDINATOR_CLIENT_H_
