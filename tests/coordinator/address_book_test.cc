// Register, Publish and Resolve through a real coordinator, over its RPCs (a worker's
// CoordinatorClient) and in its own process (the launcher's LauncherAddressBook).

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "src/coordinator/launcher_address_book.h"
#include "tests/coordinator/coordinator_fixture.h"

namespace lp::internal {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST_F(CoordinatorTest, RegisterPublishResolveRoundTrip) {
  StartServer(Workers(2));
  auto client = NewClient();
  absl::StatusOr<std::string> program = client->Register(NodeId{"worker", 1}, kFingerprint);
  ASSERT_TRUE(program.ok()) << program.status();
  EXPECT_EQ(*program, "test_program");

  std::optional<NodeRegistration> registration =
      server_->nodes().Registration(NodeId{"worker", 1});
  ASSERT_TRUE(registration.has_value());
  EXPECT_EQ(registration->pid, ::getpid());
  EXPECT_FALSE(registration->hostname.empty());
  EXPECT_THAT(registration->peer, HasSubstr("127.0.0.1"));
  EXPECT_FALSE(server_->nodes().Registration(NodeId{"worker", 0}).has_value());

  ASSERT_TRUE(client->Publish(NodeId{"worker", 1}, "courier", "127.0.0.1:4242").ok());
  absl::StatusOr<std::string> resolved =
      NewClient()->Resolve(NodeId{"worker", 1}, "courier", absl::Now() + kPatience);
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(*resolved, "127.0.0.1:4242");
}

TEST_F(CoordinatorTest, AllRegisteredIsObservable) {
  StartServer(Workers(2));
  auto client = NewClient();
  EXPECT_FALSE(server_->nodes().AwaitAllRegistered(absl::Now()));
  ASSERT_TRUE(client->Register(NodeId{"worker", 0}, kFingerprint).ok());
  ASSERT_TRUE(client->Register(NodeId{"worker", 1}, kFingerprint).ok());
  EXPECT_TRUE(server_->nodes().AwaitAllRegistered(absl::Now() + kPatience));
  EXPECT_EQ(server_->nodes().Registrations().size(), 2u);
}

TEST_F(CoordinatorTest, RepublishReplacesTheAddress) {
  StartServer(Workers(1));
  auto client = NewClient();
  ASSERT_TRUE(client->Publish(NodeId{"worker", 0}, "courier", "h:1").ok());
  ASSERT_TRUE(client->Publish(NodeId{"worker", 0}, "courier", "h:2").ok());  // a restart
  EXPECT_EQ(client->Resolve(NodeId{"worker", 0}, "courier", absl::Now() + kPatience).value(),
            "h:2");
}

TEST_F(CoordinatorTest, ResolveWaitsForPublishFromAnotherThread) {
  StartServer(Workers(2));
  auto client = NewClient();
  absl::StatusOr<std::string> resolved;
  std::thread resolver([&] {
    resolved = client->Resolve(NodeId{"worker", 0}, "courier", absl::Now() + kPatience);
  });
  // Publish only once the resolve is known to be parked in the coordinator.
  ASSERT_TRUE(server_->addresses().AwaitWaiting(1, absl::Now() + kPatience));
  ASSERT_TRUE(NewClient()->Publish(NodeId{"worker", 0}, "courier", "10.1.2.3:99").ok());
  resolver.join();
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(*resolved, "10.1.2.3:99");
}

TEST_F(CoordinatorTest, ResolveDeadlineNamesTheNode) {
  StartServer(Workers(3));
  auto client = NewClient();
  absl::StatusOr<std::string> resolved =
      client->Resolve(NodeId{"worker", 2}, "courier", absl::Now() + absl::Milliseconds(200));
  EXPECT_EQ(resolved.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(resolved.status().message()), HasSubstr("node worker/2"));
  EXPECT_THAT(std::string(resolved.status().message()), HasSubstr("courier"));
  // The coordinator forgets the abandoned wait.
  EXPECT_TRUE(server_->addresses().AwaitWaiting(0, absl::Now() + kPatience));
}

// 200 resolves parked at once. A synchronous server with a bounded thread pool would
// deadlock here: no thread would be left to serve the publishes that release them.
class ManyResolvesTest : public CoordinatorTest {
 protected:
  // Parks one resolve per node, spread over `num_clients` clients (as over that many
  // worker processes), then publishes every address; every resolve must complete.
  void ResolveAllAtOnce(int num_nodes, int num_clients) {
    StartServer(Workers(num_nodes));
    std::vector<std::unique_ptr<CoordinatorClient>> clients;
    for (int c = 0; c < num_clients; ++c) clients.push_back(NewClient());

    std::vector<absl::StatusOr<std::string>> results(num_nodes);
    std::vector<std::thread> resolvers;
    for (int i = 0; i < num_nodes; ++i) {
      resolvers.emplace_back([&, i] {
        results[i] = clients[i % num_clients]->Resolve(NodeId{"worker", i}, "courier",
                                                       absl::Now() + 4 * kPatience);
      });
    }
    const bool all_parked = server_->addresses().AwaitWaiting(num_nodes, absl::Now() + kPatience);
    EXPECT_TRUE(all_parked) << "only " << server_->addresses().waiting() << " resolves parked";
    auto publisher = NewClient();
    for (int i = 0; i < num_nodes; ++i) {
      EXPECT_TRUE(
          publisher->Publish(NodeId{"worker", i}, "courier", absl::StrCat("h:", 1000 + i)).ok());
    }
    for (std::thread& t : resolvers) t.join();
    for (int i = 0; i < num_nodes; ++i) {
      ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].status();
      EXPECT_EQ(*results[i], absl::StrCat("h:", 1000 + i));
    }
  }
};

TEST_F(ManyResolvesTest, TwoHundredFromManyProcesses) { ResolveAllAtOnce(200, 8); }

// All on one channel: also proves no per-connection stream limit gets in the way.
TEST_F(ManyResolvesTest, TwoHundredFromOneProcess) { ResolveAllAtOnce(200, 1); }

TEST_F(CoordinatorTest, UnknownNodeIsNotFound) {
  StartServer(Workers(2));
  auto client = NewClient();
  absl::StatusOr<std::string> registered = client->Register(NodeId{"worker", 7}, kFingerprint);
  EXPECT_EQ(registered.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(registered.status().message()), HasSubstr("worker/7"));
  // Fails at once rather than waiting for a publish that can never come.
  absl::StatusOr<std::string> resolved =
      client->Resolve(NodeId{"ghost", 0}, "courier", absl::Now() + kPatience);
  EXPECT_EQ(resolved.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(resolved.status().message()), HasSubstr("ghost/0"));
  EXPECT_EQ(client->Publish(NodeId{"ghost", 0}, "courier", "h:1").code(),
            absl::StatusCode::kNotFound);
}

TEST_F(CoordinatorTest, FingerprintMismatchIsRefusedClearly) {
  StartServer(Workers(4));
  auto client = NewClient();
  absl::StatusOr<std::string> registered =
      client->Register(NodeId{"worker", 0}, "worker=3xClassNode<Worker>");
  EXPECT_EQ(registered.status().code(), absl::StatusCode::kFailedPrecondition);
  const std::string message(registered.status().message());
  EXPECT_THAT(message, HasSubstr("differs from the launcher's"));
  EXPECT_THAT(message, HasSubstr("deterministic"));
  EXPECT_THAT(message, HasSubstr("launcher has 'worker=4xClassNode<Worker>'"));
  EXPECT_THAT(message, HasSubstr("worker has 'worker=3xClassNode<Worker>'"));
  EXPECT_THAT(message, Not(HasSubstr(token_)));
  EXPECT_FALSE(server_->nodes().Registration(NodeId{"worker", 0}).has_value());
}

// The launcher's book reads the coordinator's table in place: what a worker published
// over the network resolves there, and what is published there resolves for workers.
TEST_F(CoordinatorTest, TheLauncherResolvesInPlaceWhatWorkersPublished) {
  StartServer(Workers(2));
  auto client = NewClient();
  auto coordinator = std::shared_ptr<CoordinatorServer>(std::move(server_));
  LauncherAddressBook book(coordinator);
  ASSERT_TRUE(client->Publish(NodeId{"worker", 0}, "courier", "127.0.0.1:4242").ok());
  EXPECT_EQ(book.Resolve(NodeId{"worker", 0}, "courier", absl::Now()).value(), "127.0.0.1:4242");
  ASSERT_TRUE(book.Publish(NodeId{"worker", 1}, "courier", "127.0.0.1:4343").ok());
  EXPECT_EQ(client->Resolve(NodeId{"worker", 1}, "courier", absl::Now() + kPatience).value(),
            "127.0.0.1:4343");
  EXPECT_EQ(book.Publish(NodeId{"worker", 1}, "courier", "").code(),
            absl::StatusCode::kInvalidArgument);

  // The book does not keep the coordinator: once the launch let it go, nothing resolves.
  client.reset();
  coordinator.reset();
  absl::StatusOr<std::string> gone = book.Resolve(NodeId{"worker", 0}, "courier", absl::Now());
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(gone.status().message()), HasSubstr("program is stopping"));
}

TEST_F(CoordinatorTest, TheLauncherWaitsInPlaceForAPublish) {
  StartServer(Workers(2));
  absl::StatusOr<std::string> resolved;
  std::thread resolver([&] {
    resolved = server_->ResolveAddress(NodeId{"worker", 1}, "courier", absl::Now() + kPatience);
  });
  ASSERT_TRUE(server_->addresses().AwaitWaiting(1, absl::Now() + kPatience));
  ASSERT_TRUE(NewClient()->Publish(NodeId{"worker", 1}, "courier", "10.1.2.3:99").ok());
  resolver.join();
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(*resolved, "10.1.2.3:99");
}

// In place or over the network, the same errors: a deadline names the node and endpoint,
// an unknown node fails at once, and a stop wakes a waiting resolve.
TEST_F(CoordinatorTest, TheLauncherGetsTheErrorsAWorkerGets) {
  StartServer(Workers(2));
  auto client = NewClient();
  const absl::Time soon = absl::Now() + absl::Milliseconds(100);
  absl::StatusOr<std::string> in_place = server_->ResolveAddress(NodeId{"worker", 1}, "courier", soon);
  absl::StatusOr<std::string> remote = client->Resolve(NodeId{"worker", 1}, "courier", soon);
  EXPECT_EQ(in_place.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(in_place.status(), remote.status());
  EXPECT_TRUE(server_->addresses().AwaitWaiting(0, absl::Now() + kPatience));  // forgotten

  in_place = server_->ResolveAddress(NodeId{"ghost", 0}, "courier", absl::Now() + kPatience);
  remote = client->Resolve(NodeId{"ghost", 0}, "courier", absl::Now() + kPatience);
  EXPECT_EQ(in_place.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(remote.status().message()), HasSubstr(in_place.status().message()));

  std::thread resolver([&] {
    in_place = server_->ResolveAddress(NodeId{"worker", 0}, "courier", absl::Now() + 4 * kPatience);
  });
  ASSERT_TRUE(server_->addresses().AwaitWaiting(1, absl::Now() + kPatience));
  EXPECT_TRUE(server_->RequestStop("test stops"));
  resolver.join();
  EXPECT_EQ(in_place.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(in_place.status().message()), HasSubstr("program is stopping"));
}

}  // namespace
}  // namespace lp::internal
