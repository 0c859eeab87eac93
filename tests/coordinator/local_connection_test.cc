// A worker forked on the launcher's host reaches the coordinator through a socketpair the
// launcher serves (CoordinatorServer::ConnectLocalWorker) instead of a TCP connection:
// everything a worker does works on it, the token is still checked, and the launcher's
// end is seen as on TCP.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "src/core/worker_environment.h"
#include "tests/coordinator/coordinator_fixture.h"

namespace lp::internal {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// The peer gRPC names for a connection it was handed as a descriptor, not accepted.
constexpr char kDescriptorPeer[] = "fd:";

TEST_F(CoordinatorTest, ALocalConnectionCarriesAWorkersWholeConversation) {
  StartServer(Workers(2));
  std::unique_ptr<CoordinatorClient> local = NewLocalClient();
  ASSERT_NE(local, nullptr);
  absl::StatusOr<std::string> program = local->Register(NodeId{"worker", 0}, kFingerprint);
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(*program, "test_program");
  std::optional<NodeRegistration> registration =
      server_->nodes().Registration(NodeId{"worker", 0});
  ASSERT_TRUE(registration.has_value());
  EXPECT_THAT(registration->peer, StartsWith(kDescriptorPeer));  // not over TCP

  // Its address reaches a worker on TCP, and the other way round.
  ASSERT_TRUE(local->Publish(NodeId{"worker", 0}, "courier", "127.0.0.1:4242").ok());
  std::unique_ptr<CoordinatorClient> remote = NewClient();
  absl::StatusOr<std::string> resolved =
      remote->Resolve(NodeId{"worker", 0}, "courier", absl::Now() + kPatience);
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(*resolved, "127.0.0.1:4242");
  ASSERT_TRUE(remote->Publish(NodeId{"worker", 1}, "courier", "127.0.0.1:4343").ok());
  resolved = local->Resolve(NodeId{"worker", 1}, "courier", absl::Now() + kPatience);
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(*resolved, "127.0.0.1:4343");

  Watcher watcher;
  ASSERT_TRUE(watcher.Watch(*local, NodeId{"worker", 0}).ok());
  ASSERT_TRUE(server_->stop().AwaitWatchers(1, absl::Now() + kPatience));
  ASSERT_TRUE(local->ReportExit({.node = NodeId{"worker", 0}, .exit_code = 0}).ok());
  ASSERT_TRUE(server_->nodes().ExitReportOf(NodeId{"worker", 0}).has_value());
  server_->RequestStop("the launcher stops");
  ASSERT_TRUE(watcher.stopped.WaitFor(kPatience));
  EXPECT_EQ(watcher.reason, "the launcher stops");
  EXPECT_FALSE(watcher.lost.HasBeenNotified());
}

TEST_F(CoordinatorTest, ALocalConnectionStillNeedsTheToken) {
  StartServer(Workers(1));
  std::string wrong = token_;
  wrong.back() = wrong.back() == 'a' ? 'b' : 'a';
  std::unique_ptr<CoordinatorClient> local = NewLocalClient(wrong);
  ASSERT_NE(local, nullptr);
  absl::StatusOr<std::string> program = local->Register(NodeId{"worker", 0}, kFingerprint);
  EXPECT_EQ(program.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_FALSE(server_->nodes().Registration(NodeId{"worker", 0}).has_value());
}

TEST_F(CoordinatorTest, ALauncherGoneIsCoordinatorLostOnALocalConnection) {
  StartServer(Workers(1));
  std::unique_ptr<CoordinatorClient> local = NewLocalClient();
  ASSERT_NE(local, nullptr);
  Watcher watcher;
  ASSERT_TRUE(watcher.Watch(*local, NodeId{"worker", 0}).ok());
  ASSERT_TRUE(server_->stop().AwaitWatchers(1, absl::Now() + kPatience));
  server_->Shutdown();  // closes the launcher's end of the socketpair
  ASSERT_TRUE(watcher.lost.WaitFor(kPatience));
  EXPECT_EQ(watcher.why.code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(watcher.stopped.HasBeenNotified());
}

TEST_F(CoordinatorTest, NoLocalConnectionAfterShutdown) {
  StartServer(Workers(1));
  server_->Shutdown();
  absl::StatusOr<UniqueFd> connection = server_->ConnectLocalWorker();
  EXPECT_EQ(connection.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(connection.status().message()), HasSubstr("shut down"));
}

// The launcher's variables, as a forked worker finds them, for FromEnvironment.
class LocalConnectionEnvironmentTest : public CoordinatorTest {
 protected:
  void SetUp() override {
    StartServer(Workers(1));
    setenv(kCoordinatorAddressEnv, address().c_str(), 1);
    setenv(kCoordinatorTokenEnv, token_.c_str(), 1);
  }
  void TearDown() override {
    unsetenv(kCoordinatorAddressEnv);
    unsetenv(kCoordinatorTokenEnv);
    unsetenv(kCoordinatorFdEnv);
  }
};

TEST_F(LocalConnectionEnvironmentTest, TheWorkersClientTakesTheConnectionFromItsVariable) {
  absl::StatusOr<UniqueFd> connection = server_->ConnectLocalWorker();
  ASSERT_TRUE(connection.ok()) << connection.status();
  setenv(kCoordinatorFdEnv, absl::StrCat(connection->Release()).c_str(), 1);
  absl::StatusOr<std::unique_ptr<CoordinatorClient>> client =
      CoordinatorClient::FromEnvironment(nullptr);
  ASSERT_TRUE(client.ok()) << client.status();
  // Gone, so that no process the node starts takes the number for its own.
  EXPECT_EQ(getenv(kCoordinatorFdEnv), nullptr);
  ASSERT_TRUE((*client)->Register(NodeId{"worker", 0}, kFingerprint).ok());
  std::optional<NodeRegistration> registration =
      server_->nodes().Registration(NodeId{"worker", 0});
  ASSERT_TRUE(registration.has_value());
  EXPECT_THAT(registration->peer, StartsWith(kDescriptorPeer));
}

TEST_F(LocalConnectionEnvironmentTest, ADescriptorThatIsNotOpenIsAClearError) {
  for (const char* bad : {"not-a-number", "-1", "987654"}) {
    setenv(kCoordinatorFdEnv, bad, 1);
    absl::StatusOr<std::unique_ptr<CoordinatorClient>> client =
        CoordinatorClient::FromEnvironment(nullptr);
    EXPECT_EQ(client.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(client.status().message()),
                HasSubstr(absl::StrCat(kCoordinatorFdEnv, "='", bad, "'")));
    EXPECT_THAT(std::string(client.status().message()), HasSubstr("not an open descriptor"));
    EXPECT_EQ(getenv(kCoordinatorFdEnv), nullptr) << bad;
  }
}

}  // namespace
}  // namespace lp::internal
