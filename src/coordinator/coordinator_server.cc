#include "src/coordinator/coordinator_server.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/server_posix.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "src/courier/rpc/callback_threads.h"
#include "src/courier/rpc/grpc_library.h"

namespace lp::internal {

CoordinatorServer::CoordinatorServer(CoordinatorOptions options)
    : service_(std::move(options.program_name), std::move(options.fingerprint),
               std::move(options.nodes), std::move(options.token), std::move(options.hooks),
               std::move(options.arguments), std::move(options.start_after)) {}

absl::StatusOr<std::unique_ptr<CoordinatorServer>> CoordinatorServer::Start(
    CoordinatorOptions options) {
  rpc::KeepGrpcInitialized();
  rpc::KeepCallbackQueueAlive();  // its service is a callback service
  if (options.token.empty()) {
    return absl::InvalidArgumentError("the coordinator needs a token (see MakeToken())");
  }
  const std::string bind_address = options.bind_address;
  const absl::Duration keepalive_interval = options.keepalive_interval;
  const absl::Duration keepalive_timeout = options.keepalive_timeout;
  const std::shared_ptr<const rpc::TransportSecurity> transport = options.transport;
  std::unique_ptr<CoordinatorServer> server(new CoordinatorServer(std::move(options)));

  grpc::ServerBuilder builder;
  builder.AddListeningPort(bind_address, rpc::ServerCredentialsFor(transport.get()),
                           &server->port_);
  builder.RegisterService(&server->service_);
  // Workers ping to notice a cut network on their WatchStop stream (see the client).
  // Accept their pings however idle the connection is, instead of closing it with
  // "too many pings".
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 1000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  if (keepalive_interval > absl::ZeroDuration()) {
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                               static_cast<int>(absl::ToInt64Milliseconds(keepalive_interval)));
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                               static_cast<int>(absl::ToInt64Milliseconds(keepalive_timeout)));
    builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  }
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("the coordinator cannot listen on '", bind_address, "'"));
  }
  return server;
}

CoordinatorServer::~CoordinatorServer() { Shutdown(); }

absl::StatusOr<UniqueFd> CoordinatorServer::ConnectLocalWorker() {
  int ends[2];
  // Non-blocking, as gRPC expects of the descriptors it polls; close-on-exec, so that
  // only the worker the descriptor is handed to gets it.
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, ends) != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot create a worker's connection to the coordinator: socketpair: ",
                     std::strerror(errno)));
  }
  UniqueFd ours(ends[0]);
  UniqueFd theirs(ends[1]);
  std::lock_guard lock(shutdown_mu_);
  if (shut_down_ || server_ == nullptr) {
    return absl::UnavailableError("the coordinator has shut down");
  }
  grpc::AddInsecureChannelFromFd(server_.get(), ours.Release());
  return theirs;
}

void CoordinatorServer::Shutdown(absl::Time deadline) {
  std::lock_guard lock(shutdown_mu_);
  if (shut_down_) return;
  shut_down_ = true;
  if (server_ == nullptr) return;  // never started
  // Finish our parked calls ourselves, so that gRPC's shutdown need not wait for the
  // deadline to cancel them.
  service_.Close();
  server_->Shutdown(absl::ToChronoTime(deadline));
  server_->Wait();
}

}  // namespace lp::internal
