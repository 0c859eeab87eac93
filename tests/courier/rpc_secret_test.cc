// The launch's secret on Courier calls: the comparison, the check of a chosen secret, and
// a real server refusing calls without it over real sockets (127.0.0.1, port 0).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "lp/courier_channel.h"
#include "src/courier/rpc/secret.h"
#include "lp/courier_server.h"
#include "tests/courier/rpc_test_util.h"

namespace lp::rpc {
namespace {

using ::lp::testing::Args;
using ::lp::testing::EchoFirst;
using ::lp::testing::Int;
using ::lp::testing::Timeout;

TEST(SecretTest, ComparesWholeSecrets) {
  EXPECT_TRUE(SecretsEqual("abc123", "abc123"));
  EXPECT_FALSE(SecretsEqual("abc124", "abc123"));
  EXPECT_FALSE(SecretsEqual("abc12", "abc123"));
  EXPECT_FALSE(SecretsEqual("abc1234", "abc123"));
  EXPECT_FALSE(SecretsEqual("", "abc123"));
  EXPECT_FALSE(SecretsEqual(std::string("abc123\0", 7), "abc123"));
}

TEST(SecretTest, AcceptsPrintableSecretsOfSixteenCharactersOrMore) {
  EXPECT_TRUE(CheckSecret(std::string(64, 'a'), "X").ok());
  EXPECT_TRUE(CheckSecret("0123456789abcdef", "X").ok());
  EXPECT_TRUE(CheckSecret("!#$%&()*+,-./:;<=>?@[]^_`{|}~AZaz", "X").ok());
}

TEST(SecretTest, RefusesShortLongAndUnprintableSecretsWithoutEchoingThem) {
  const absl::Status short_secret = CheckSecret("hunter2", "LP_COURIER_SECRET");
  EXPECT_EQ(short_secret.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(short_secret.message().find("LP_COURIER_SECRET has 7 characters"), std::string::npos)
      << short_secret;
  EXPECT_EQ(short_secret.message().find("hunter2"), std::string::npos) << short_secret;
  EXPECT_EQ(CheckSecret(std::string(1025, 'a'), "X").code(), absl::StatusCode::kInvalidArgument);
  const absl::Status space = CheckSecret("0123456789 abcdef", "X");
  EXPECT_EQ(space.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(space.message().find("position 10"), std::string::npos) << space;
  EXPECT_EQ(CheckSecret("0123456789abcdef\n", "X").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckSecret("0123456789abcdef\xc3\xa9", "X").code(),
            absl::StatusCode::kInvalidArgument);
}

constexpr char kSecret[] = "0123456789abcdef0123456789abcdef";

// A started server with method Echo; `secret` required unless empty.
std::unique_ptr<CourierServer> StartEchoServer(const std::string& secret,
                                               CourierServerOptions options = {}) {
  auto server = std::make_unique<CourierServer>(options);
  EXPECT_TRUE(server->RegisterMethod("Echo", EchoFirst).ok());
  EXPECT_TRUE(server->SetSecret(secret, "node learner/0").ok());
  EXPECT_TRUE(server->Start("127.0.0.1:0").ok());
  return server;
}

std::shared_ptr<CourierChannel> ChannelTo(const CourierServer& server, std::string secret) {
  CourierChannelOptions options;
  options.secret = std::move(secret);
  return CourierChannel::Create("127.0.0.1:" + std::to_string(server.port()), std::move(options));
}

TEST(ServerSecretTest, CallsWithoutTheSecretAreRefusedSayingWhatIsMissing) {
  std::unique_ptr<CourierServer> server = StartEchoServer(kSecret);
  std::shared_ptr<CourierChannel> channel = ChannelTo(*server, "");
  const absl::StatusOr<courier::SerializedObject> call =
      channel->Call("Echo", Args({Int(7)}), Timeout());
  EXPECT_EQ(call.status().code(), absl::StatusCode::kUnauthenticated) << call.status();
  EXPECT_NE(call.status().message().find(
                "call to node learner/0 lacks the launch's secret (gRPC metadata 'lp-secret')"),
            std::string::npos)
      << call.status();
  const absl::StatusOr<std::vector<std::string>> methods = channel->ListMethods(Timeout());
  EXPECT_EQ(methods.status().code(), absl::StatusCode::kUnauthenticated) << methods.status();
}

TEST(ServerSecretTest, CallsWithAnotherSecretAreRefusedWithoutEchoingEither) {
  std::unique_ptr<CourierServer> server = StartEchoServer(kSecret);
  const std::string other = "another-launch-secret-000000000";
  const absl::StatusOr<courier::SerializedObject> call =
      ChannelTo(*server, other)->Call("Echo", Args({Int(7)}), Timeout());
  EXPECT_EQ(call.status().code(), absl::StatusCode::kUnauthenticated) << call.status();
  EXPECT_NE(call.status().message().find("not its launch's"), std::string::npos) << call.status();
  EXPECT_EQ(call.status().message().find(kSecret), std::string::npos) << call.status();
  EXPECT_EQ(call.status().message().find(other), std::string::npos) << call.status();
  // A prefix of the secret is no better.
  EXPECT_EQ(ChannelTo(*server, std::string(kSecret, 31))
                ->Call("Echo", Args({Int(7)}), Timeout())
                .status()
                .code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(ServerSecretTest, CallsWithTheSecretWorkAndTheServerKeepsServingAfterRefusals) {
  std::unique_ptr<CourierServer> server = StartEchoServer(kSecret);
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(ChannelTo(*server, "")->Call("Echo", Args({Int(i)}), Timeout()).ok());
    const absl::StatusOr<courier::SerializedObject> call =
        ChannelTo(*server, kSecret)->Call("Echo", Args({Int(i)}), Timeout());
    ASSERT_TRUE(call.ok()) << call.status();
    EXPECT_EQ(call->int_value(), i);
  }
  const absl::StatusOr<std::vector<std::string>> methods =
      ChannelTo(*server, kSecret)->ListMethods(Timeout());
  ASSERT_TRUE(methods.ok()) << methods.status();
  EXPECT_EQ(*methods, std::vector<std::string>{"Echo"});
  // Async calls carry it too.
  const absl::StatusOr<courier::SerializedObject> async =
      ChannelTo(*server, kSecret)->CallFuture("Echo", Args({Int(9)}), Timeout()).TakeResult();
  ASSERT_TRUE(async.ok()) << async.status();
  EXPECT_EQ(async->int_value(), 9);
  EXPECT_EQ(ChannelTo(*server, "")
                ->CallFuture("Echo", Args({Int(9)}), Timeout())
                .TakeResult()
                .status()
                .code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(ServerSecretTest, APublicServerTakesCallsWithoutTheSecret) {
  std::unique_ptr<CourierServer> server = StartEchoServer(kSecret, {.require_secret = false});
  const absl::StatusOr<courier::SerializedObject> call =
      ChannelTo(*server, "")->Call("Echo", Args({Int(5)}), Timeout());
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->int_value(), 5);
}

TEST(ServerSecretTest, AServerWithoutASecretChecksNothing) {
  std::unique_ptr<CourierServer> server = StartEchoServer("");
  EXPECT_TRUE(ChannelTo(*server, "")->Call("Echo", Args({Int(1)}), Timeout()).ok());
  EXPECT_TRUE(ChannelTo(*server, kSecret)->Call("Echo", Args({Int(1)}), Timeout()).ok());
}

TEST(ServerSecretTest, TheSecretCannotChangeOnceStarted) {
  std::unique_ptr<CourierServer> server = StartEchoServer(kSecret);
  EXPECT_EQ(server->SetSecret("", "node learner/0").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ChannelTo(*server, "")->Call("Echo", Args({Int(1)}), Timeout()).status().code(),
            absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace lp::rpc
