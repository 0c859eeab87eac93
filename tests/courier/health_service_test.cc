// A Courier server's answers to gRPC's health-checking protocol (grpc.health.v1.Health),
// through real sockets: Check, Watch streams through status changes and the server's
// shutdown, watchers that go away, and a program that enabled gRPC's own health service.
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/support/sync_stream.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lp/courier_server.h"
#include "lp/event.h"
#include "lp/health.pb.h"
#include "tests/courier/rpc_test_util.h"

namespace lp {
namespace {

using ::lp::health::HealthCheckRequest;
using ::lp::health::HealthCheckResponse;
using ::lp::testing::kLong;

constexpr char kCheck[] = "/grpc.health.v1.Health/Check";
constexpr char kWatch[] = "/grpc.health.v1.Health/Watch";

// A health-checking client, as any other gRPC program would be one.
class HealthClient {
 public:
  explicit HealthClient(int port)
      : channel_(grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                     grpc::InsecureChannelCredentials())) {}

  // Check's answer for `service`, or its error.
  grpc::Status Check(const std::string& service, HealthCheckResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + kLong));
    HealthCheckRequest request;
    request.set_service(service);
    const grpc::internal::RpcMethod method(kCheck, grpc::internal::RpcMethod::NORMAL_RPC);
    return grpc::internal::BlockingUnaryCall<HealthCheckRequest, HealthCheckResponse>(
        channel_.get(), method, &context, request, response);
  }

  HealthCheckResponse::ServingStatus CheckOrUnknown() {
    HealthCheckResponse response;
    return Check("", &response).ok() ? response.status() : HealthCheckResponse::UNKNOWN;
  }

  // An open Watch stream of `service`.
  struct Watch {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<HealthCheckResponse>> reader;

    // The next status sent, or UNKNOWN once the stream ended.
    HealthCheckResponse::ServingStatus Next() {
      HealthCheckResponse response;
      return reader->Read(&response) ? response.status() : HealthCheckResponse::UNKNOWN;
    }
  };
  std::unique_ptr<Watch> StartWatch(const std::string& service) {
    auto watch = std::make_unique<Watch>();
    // Generous: only a server that never ends the stream meets it.
    watch->context.set_deadline(absl::ToChronoTime(absl::Now() + kLong));
    HealthCheckRequest request;
    request.set_service(service);
    const grpc::internal::RpcMethod method(kWatch, grpc::internal::RpcMethod::SERVER_STREAMING);
    watch->reader.reset(grpc::internal::ClientReaderFactory<HealthCheckResponse>::Create(
        channel_.get(), method, &watch->context, request));
    return watch;
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
};

// Shuts `server` down with no deadline on another thread, and says whether that returned
// within a generous bound (a Watch stream that the server does not end would hold it up
// for ever).
bool ShutsDownWithoutADeadline(CourierServer& server) {
  Event returned;
  std::thread shutdown([&] {
    server.Shutdown(absl::InfiniteFuture());
    returned.Notify();
  });
  const bool in_time = returned.WaitFor(kLong);
  if (!in_time) server.Shutdown(absl::Now());  // lets the thread end, the test having failed
  shutdown.join();
  return in_time;
}

class HealthServiceTest : public ::testing::Test {
 protected:
  // Starts server_ (told `serving` before it starts) and a client of it.
  void Start(CourierServerOptions options = {}, bool serving = true) {
    server_ = std::make_unique<CourierServer>(options);
    server_->SetServing(serving);
    absl::StatusOr<int> port = server_->Start("127.0.0.1:0");
    ASSERT_TRUE(port.ok()) << port.status();
    client_ = std::make_unique<HealthClient>(*port);
  }

  // `count` Watch streams of the server as a whole, each read up to its first status.
  std::vector<std::unique_ptr<HealthClient::Watch>> Watches(int count) {
    std::vector<std::unique_ptr<HealthClient::Watch>> watches;
    for (int i = 0; i < count; ++i) watches.push_back(client_->StartWatch(""));
    for (auto& watch : watches) EXPECT_EQ(watch->Next(), HealthCheckResponse::SERVING);
    return watches;
  }

  std::unique_ptr<CourierServer> server_;
  std::unique_ptr<HealthClient> client_;
};

TEST_F(HealthServiceTest, CheckAnswersForTheServerAndRefusesOtherNames) {
  Start();
  EXPECT_EQ(client_->CheckOrUnknown(), HealthCheckResponse::SERVING);
  server_->SetServing(false);
  EXPECT_EQ(client_->CheckOrUnknown(), HealthCheckResponse::NOT_SERVING);

  HealthCheckResponse response;
  const grpc::Status other = client_->Check("learner", &response);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(other.error_message().find("'learner'"), std::string::npos) << other.error_message();
}

TEST_F(HealthServiceTest, AServerSetNotServingBeforeItStartsSaysSoFromTheStart) {
  Start({}, /*serving=*/false);
  EXPECT_EQ(client_->CheckOrUnknown(), HealthCheckResponse::NOT_SERVING);
}

TEST_F(HealthServiceTest, WatchSendsTheStatusNowAndAtEveryChange) {
  Start();
  std::vector<std::unique_ptr<HealthClient::Watch>> watches = Watches(8);
  for (int round = 0; round < 3; ++round) {
    server_->SetServing(false);
    for (auto& watch : watches) EXPECT_EQ(watch->Next(), HealthCheckResponse::NOT_SERVING);
    server_->SetServing(true);
    for (auto& watch : watches) EXPECT_EQ(watch->Next(), HealthCheckResponse::SERVING);
  }
  // A status set again unchanged is not sent again: the next one read is the change.
  server_->SetServing(true);
  server_->SetServing(false);
  for (auto& watch : watches) EXPECT_EQ(watch->Next(), HealthCheckResponse::NOT_SERVING);
}

TEST_F(HealthServiceTest, AWatchOfAnotherNameIsToldItIsUnknown) {
  Start();
  auto watch = client_->StartWatch("learner");
  EXPECT_EQ(watch->Next(), HealthCheckResponse::SERVICE_UNKNOWN);
}

// Open Watch streams would hold grpc::Server::Shutdown up until its deadline (here none):
// the server sends each NOT_SERVING and ends it first.
TEST_F(HealthServiceTest, AShutdownEndsEveryWatchAfterNotServing) {
  Start();
  std::vector<std::unique_ptr<HealthClient::Watch>> watches = Watches(8);

  ASSERT_TRUE(ShutsDownWithoutADeadline(*server_));
  for (auto& watch : watches) {
    EXPECT_EQ(watch->Next(), HealthCheckResponse::NOT_SERVING);
    EXPECT_EQ(watch->Next(), HealthCheckResponse::UNKNOWN);  // the stream ended
    const grpc::Status end = watch->reader->Finish();
    EXPECT_EQ(end.error_code(), grpc::StatusCode::UNAVAILABLE) << end.error_message();
  }
}

// A watcher that goes away leaves nothing behind that the shutdown would wait for, and
// status changes after it are sent to the watchers still there only.
TEST_F(HealthServiceTest, WatchersThatGoAwayAreForgotten) {
  Start();
  std::unique_ptr<HealthClient::Watch> staying = std::move(Watches(1)[0]);
  bool serving = true;
  auto status = [&] {
    return serving ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING;
  };
  for (int i = 0; i < 8; ++i) {
    auto leaving = client_->StartWatch("");
    ASSERT_EQ(leaving->Next(), status());
    leaving->context.TryCancel();
    EXPECT_EQ(leaving->reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
    serving = !serving;
    server_->SetServing(serving);
    EXPECT_EQ(staying->Next(), status());
  }
  EXPECT_TRUE(ShutsDownWithoutADeadline(*server_));
}

TEST_F(HealthServiceTest, AServerWithoutHealthCheckingDoesNotAnswerIt) {
  Start({.enable_health_check = false});
  HealthCheckResponse response;
  EXPECT_EQ(client_->Check("", &response).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

// gRPC's own health service, enabled by a program for all its servers, would be a second
// service of the same name on a Courier server: the server's own takes its place.
TEST_F(HealthServiceTest, AProgramThatEnabledGrpcsHealthServiceGetsTheServersOwn) {
  grpc::EnableDefaultHealthCheckService(true);
  Start();
  grpc::EnableDefaultHealthCheckService(false);
  EXPECT_EQ(client_->CheckOrUnknown(), HealthCheckResponse::SERVING);
  server_->SetServing(false);
  EXPECT_EQ(client_->CheckOrUnknown(), HealthCheckResponse::NOT_SERVING);
}

}  // namespace
}  // namespace lp
