#include "src/coordinator/coordinator_client.h"

#include <fcntl.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/create_channel_posix.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "src/coordinator/metrics_wire.h"
#include "src/coordinator/token.h"
#include "src/coordinator/wire.h"
#include "src/core/address_errors.h"
#include "src/core/worker_environment.h"
#include "src/courier/rpc/grpc_library.h"
#include "src/metrics/courier_metrics.h"
#include "src/net/host_port.h"
#include "src/net/local_address.h"

namespace lp::internal {
namespace {

// The longest a worker's metrics report may take (see ReportMetrics).
constexpr absl::Duration kMetricsReportTimeout = absl::Seconds(10);

int Milliseconds(absl::Duration d) { return static_cast<int>(absl::ToInt64Milliseconds(d)); }

}  // namespace

absl::StatusOr<std::unique_ptr<CoordinatorClient>> CoordinatorClient::Create(
    CoordinatorClientOptions options) {
  if (absl::StatusOr<std::pair<std::string, int>> parts = SplitHostPort(options.address);
      !parts.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad coordinator address: ", parts.status().message()));
  }
  if (options.token.empty()) {
    return absl::InvalidArgumentError("a coordinator client needs the launch's token");
  }
  UniqueFd connection = std::move(options.connection);
  return std::unique_ptr<CoordinatorClient>(
      new CoordinatorClient(std::move(options), std::move(connection)));
}

absl::StatusOr<std::unique_ptr<CoordinatorClient>> CoordinatorClient::FromEnvironment(
    std::shared_ptr<const rpc::TransportSecurity> transport) {
  CoordinatorClientOptions options;
  options.transport = std::move(transport);
  absl::StatusOr<std::string> address = CoordinatorAddressFromEnvironment();
  if (!address.ok()) return address.status();
  absl::StatusOr<std::string> token = GetEnv(kCoordinatorTokenEnv);
  if (!token.ok()) return token.status();
  options.address = *std::move(address);
  options.token = *std::move(token);
  if (const char* fd = std::getenv(kCoordinatorFdEnv); fd != nullptr) {
    int number = -1;
    const bool parsed = absl::SimpleAtoi(fd, &number) && number >= 0;
    unsetenv(kCoordinatorFdEnv);
    if (!parsed || fcntl(number, F_GETFD) < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          kCoordinatorFdEnv, "='", fd, "' is not an open descriptor; it is the launcher's to set"));
    }
    options.connection.Reset(number);
  }
  return Create(std::move(options));
}

CoordinatorClient::CoordinatorClient(CoordinatorClientOptions options, UniqueFd connection)
    : options_(std::move(options)) {
  rpc::KeepGrpcInitialized();
  grpc::ChannelArguments args;
  if (connection.valid()) {
    // A socketpair to the launcher: no TLS to add (see ConnectLocalWorker), and no
    // keepalive pings, since the kernel reports the launcher's end. gRPC owns the
    // descriptor from here on.
    stub_ = coordinator::Coordinator::NewStub(grpc::CreateCustomInsecureChannelFromFd(
        options_.address, connection.Release(), args));
    return;
  }
  // Clusters often set http_proxy for the outside world; the coordinator is never behind it.
  args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, Milliseconds(options_.keepalive_interval));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, Milliseconds(options_.keepalive_timeout));
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      rpc::ChannelCredentialsFor(options_.transport.get(), args);
  stub_ = coordinator::Coordinator::NewStub(
      grpc::CreateCustomChannel(options_.address, std::move(credentials), args));
}

CoordinatorClient::~CoordinatorClient() {
  std::unique_ptr<StopWatch> watch;
  {
    std::lock_guard lock(mu_);
    watch = std::move(watch_);
  }
  watch.reset();  // outside the lock: it may wait for a callback that calls us
}

std::unique_ptr<grpc::ClientContext> CoordinatorClient::NewContext(absl::Time deadline) const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata(kTokenMetadataKey, options_.token);
  if (deadline != absl::InfiniteFuture()) context->set_deadline(absl::ToChronoTime(deadline));
  return context;
}

absl::Status CoordinatorClient::Failed(std::string_view call, const grpc::Status& status) const {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(std::string(call), " at the coordinator ", options_.address,
                                   " failed: ", status.error_message()));
}

absl::StatusOr<std::string> CoordinatorClient::Register(
    const NodeId& node, std::string_view fingerprint,
    std::vector<coordinator::NodeArguments>* arguments) {
  coordinator::RegisterRequest request;
  *request.mutable_node() = ToProto(node);
  request.set_fingerprint(std::string(fingerprint));
  request.set_pid(::getpid());
  request.set_hostname(LocalHostName());
  coordinator::RegisterResponse response;
  auto context = NewContext(absl::Now() + options_.call_timeout);
  // The first call of a worker: give the connection time to come up.
  context->set_wait_for_ready(true);
  grpc::Status status = stub_->Register(context.get(), request, &response);
  if (!status.ok()) return Failed(absl::StrCat("Register of node ", node.ToString()), status);
  if (arguments != nullptr) {
    arguments->assign(std::make_move_iterator(response.mutable_arguments()->begin()),
                      std::make_move_iterator(response.mutable_arguments()->end()));
  }
  return response.program_name();
}

absl::Status CoordinatorClient::Publish(const NodeId& node, std::string_view endpoint,
                                        std::string address) {
  coordinator::PublishRequest request;
  *request.mutable_node() = ToProto(node);
  request.set_endpoint(std::string(endpoint));
  request.set_address(std::move(address));
  coordinator::PublishResponse response;
  auto context = NewContext(absl::Now() + options_.call_timeout);
  grpc::Status status = stub_->Publish(context.get(), request, &response);
  if (!status.ok()) {
    return Failed(absl::StrCat("Publish of ", node.ToString(), "'s ", std::string(endpoint)),
                  status);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> CoordinatorClient::Resolve(const NodeId& node,
                                                       std::string_view endpoint,
                                                       absl::Time deadline) {
  coordinator::ResolveRequest request;
  *request.mutable_node() = ToProto(node);
  request.set_endpoint(std::string(endpoint));
  coordinator::ResolveResponse response;
  // The deadline travels as gRPC's, which is sent as a relative timeout: clocks of the
  // worker and launcher machines need not agree.
  auto context = NewContext(deadline);
  grpc::Status status = stub_->Resolve(context.get(), request, &response);
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return NotPublishedError(node, endpoint);
  }
  if (!status.ok()) {
    return Failed(absl::StrCat("Resolve of ", node.ToString(), "'s ", std::string(endpoint)),
                  status);
  }
  return response.address();
}

absl::StatusOr<bool> CoordinatorClient::RequestStop(std::string_view reason,
                                                    std::optional<NodeId> requested_by) {
  {
    std::lock_guard lock(mu_);
    if (watch_ != nullptr && watch_->HeardStop()) return false;
  }
  coordinator::StopRequest request;
  request.set_reason(std::string(reason));
  if (requested_by.has_value()) *request.mutable_requested_by() = ToProto(*requested_by);
  coordinator::StopResponse response;
  auto context = NewContext(absl::Now() + options_.call_timeout);
  grpc::Status status = stub_->RequestStop(context.get(), request, &response);
  if (!status.ok()) return Failed("RequestStop", status);
  return response.started();
}

absl::Status CoordinatorClient::ReportExit(const ExitReport& report) {
  coordinator::ReportExitResponse response;
  auto context = NewContext(absl::Now() + options_.call_timeout);
  grpc::Status status = stub_->ReportExit(context.get(), ToProto(report), &response);
  if (!status.ok()) return Failed(absl::StrCat("ReportExit of ", report.node.ToString()), status);
  return absl::OkStatus();
}

absl::Status CoordinatorClient::ReportMetrics(std::uint64_t collection, const NodeId& node) {
  coordinator::MetricsReport report;
  report.set_collection(collection);
  *report.mutable_node() = ToProto(node);
  ToProto(metrics::CollectProcessMetrics(), report.mutable_families());
  coordinator::ReportMetricsResponse response;
  // The watch thread waits for this call: a report later than any scrape's timeout is of
  // no use, and a stop notice behind it must not wait the full call_timeout.
  auto context = NewContext(absl::Now() + std::min(options_.call_timeout, kMetricsReportTimeout));
  grpc::Status status = stub_->ReportMetrics(context.get(), report, &response);
  if (!status.ok()) return Failed(absl::StrCat("ReportMetrics of ", node.ToString()), status);
  return absl::OkStatus();
}

absl::Status CoordinatorClient::WatchStop(const NodeId& node, StopWatch::OnStop on_stop,
                                          StopWatch::OnLost on_lost,
                                          StopWatch::OnNodesEnded on_nodes_ended,
                                          StopWatch::OnStart on_start) {
  std::lock_guard lock(mu_);
  if (watch_ != nullptr) {
    return absl::FailedPreconditionError("this coordinator client already watches for the stop");
  }
  watch_ = std::make_unique<StopWatch>(stub_.get(), options_.token, options_.address, node,
                                       std::move(on_stop), std::move(on_lost),
                                       std::move(on_nodes_ended), std::move(on_start),
                                       [this, node](std::uint64_t collection) {
                                         // A lost report only leaves this process out of
                                         // that one collection.
                                         (void)ReportMetrics(collection, node);
                                       });
  return absl::OkStatus();
}

absl::StatusOr<std::string> CoordinatorClient::LocalAddress() const {
  absl::StatusOr<std::pair<std::string, int>> parts = SplitHostPort(options_.address);
  if (!parts.ok()) return parts.status();
  return LocalAddressTowards(parts->first);
}

}  // namespace lp::internal
