// Every call must carry this launch's token; calls without it are refused clearly and
// without revealing it.

#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <grpcpp/health_check_service_interface.h>
#include <unistd.h>

#include <set>

#include "lp/coordinator.grpc.pb.h"
#include "tests/coordinator/coordinator_fixture.h"
#include "tests/support/listening_ports.h"

namespace lp::internal {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class AuthTest : public CoordinatorTest {
 protected:
  void SetUp() override {
    StartServer(Workers(1));
    stub_ = coordinator::Coordinator::NewStub(
        grpc::CreateChannel(address(), grpc::InsecureChannelCredentials()));
  }

  // A context with `token` attached, or none when it is empty.
  std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!token.empty()) context->AddMetadata(kTokenMetadataKey, token);
    context->set_deadline(absl::ToChronoTime(absl::Now() + kPatience));
    return context;
  }

  grpc::Status CallPublish(const std::string& token) {
    coordinator::PublishRequest request;
    request.mutable_node()->set_group("worker");
    request.set_endpoint("courier");
    request.set_address("evil:1");
    coordinator::PublishResponse response;
    return stub_->Publish(Context(token).get(), request, &response);
  }

  std::unique_ptr<coordinator::Coordinator::Stub> stub_;
};

TEST_F(AuthTest, MissingTokenIsUnauthenticated) {
  grpc::Status status = CallPublish("");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("carries no token"));
  EXPECT_THAT(status.error_message(), HasSubstr("lp-token"));
  EXPECT_THAT(status.error_message(), Not(HasSubstr(token_)));
}

TEST_F(AuthTest, WrongTokenIsUnauthenticated) {
  std::string wrong = token_;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  grpc::Status status = CallPublish(wrong);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("wrong token"));
  EXPECT_THAT(status.error_message(), Not(HasSubstr(token_)));
  // Nothing was published.
  EXPECT_EQ(NewClient()
                ->Resolve(NodeId{"worker", 0}, "courier", absl::Now() + absl::Milliseconds(100))
                .status()
                .code(),
            absl::StatusCode::kDeadlineExceeded);
}

TEST_F(AuthTest, RightTokenOnARawStubIsAccepted) {
  EXPECT_TRUE(CallPublish(token_).ok());
}

TEST_F(AuthTest, EveryCallIsGuarded) {
  coordinator::RegisterResponse registered;
  EXPECT_EQ(stub_->Register(Context("").get(), coordinator::RegisterRequest(), &registered)
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  coordinator::ResolveResponse resolved;
  EXPECT_EQ(
      stub_->Resolve(Context("").get(), coordinator::ResolveRequest(), &resolved).error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
  coordinator::StopResponse stopped;
  EXPECT_EQ(
      stub_->RequestStop(Context("nope").get(), coordinator::StopRequest(), &stopped).error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_FALSE(server_->stop().stopping());
  coordinator::ReportExitResponse reported;
  EXPECT_EQ(
      stub_->ReportExit(Context("").get(), coordinator::ExitReport(), &reported).error_code(),
      grpc::StatusCode::UNAUTHENTICATED);

  auto context = Context("");
  auto reader = stub_->WatchStop(context.get(), coordinator::WatchStopRequest());
  coordinator::StopNotice notice;
  EXPECT_FALSE(reader->Read(&notice));
  grpc::Status watch = reader->Finish();
  EXPECT_EQ(watch.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(watch.error_message(), HasSubstr("carries no token"));
}

TEST_F(AuthTest, ClientWithWrongTokenIsRefused) {
  absl::StatusOr<std::string> registered =
      NewClient("not-the-token")->Register(NodeId{"worker", 0}, kFingerprint);
  EXPECT_EQ(registered.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(registered.status().message()), HasSubstr("wrong token"));
}

// The coordinator opens one port, the one workers are told, also where gRPC's health
// service is on (a CourierServer of the same process turns it on process-wide; that is
// what gave each CourierServer a second, unpublished listener, see CourierServer::Start).
TEST(CoordinatorPortTest, ListensOnlyOnThePortItReports) {
  grpc::EnableDefaultHealthCheckService(true);
  const std::set<int> before = testing::ListeningTcpPorts(getpid());
  CoordinatorOptions options;
  options.program_name = "test_program";
  options.nodes = Workers(1);
  options.token = "0123456789abcdef0123456789abcdef";
  absl::StatusOr<std::unique_ptr<CoordinatorServer>> server =
      CoordinatorServer::Start(std::move(options));
  ASSERT_TRUE(server.ok()) << server.status();
  std::set<int> opened;
  for (int port : testing::ListeningTcpPorts(getpid())) {
    if (!before.contains(port)) opened.insert(port);
  }
  EXPECT_EQ(opened, std::set<int>{(*server)->port()});
}

}  // namespace
}  // namespace lp::internal
