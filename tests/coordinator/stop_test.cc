// The stop: from any worker or the launcher to every worker, and "coordinator lost".

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lp/event.h"
#include "tests/coordinator/coordinator_fixture.h"

namespace lp::internal {
namespace {

using ::testing::HasSubstr;

// Node-ended notices reach every watcher, also one that starts watching later, in order
// and before the stop; none comes after the stop.
TEST_F(CoordinatorTest, NodesEndedReachEveryWatcherInOrderBeforeTheStop) {
  StartServer(Workers(3));
  struct Seen {
    std::mutex mu;
    std::vector<std::string> notices;  // guarded by mu
    Event stopped;
  };
  auto watch = [](CoordinatorClient& client, int index, Seen& seen) {
    return client.WatchStop(
        NodeId{"worker", index}, [&seen](const std::string&) { seen.stopped.Notify(); },
        nullptr, [&seen](const std::vector<NodeId>& nodes, const std::string& how) {
          std::lock_guard lock(seen.mu);
          for (const NodeId& node : nodes) seen.notices.push_back(node.ToString() + " " + how);
        });
  };
  auto early = NewClient();
  Seen early_seen;
  ASSERT_TRUE(watch(*early, 0, early_seen).ok());
  ASSERT_TRUE(server_->stop().AwaitWatchers(1, absl::Now() + kPatience));
  server_->AnnounceNodesEnded({NodeId{"worker", 2}}, "exited with code 0");
  server_->AnnounceNodesEnded({NodeId{"pack", 0}, NodeId{"pack/0", 0}}, "it returned");

  auto late = NewClient();
  Seen late_seen;
  ASSERT_TRUE(watch(*late, 1, late_seen).ok());
  ASSERT_TRUE(server_->stop().AwaitWatchers(2, absl::Now() + kPatience));
  server_->RequestStop("done");
  server_->AnnounceNodesEnded({NodeId{"worker", 1}}, "after the stop: never told");

  const std::vector<std::string> expected = {"worker/2 exited with code 0", "pack/0 it returned",
                                             "pack/0/0 it returned"};
  for (Seen* seen : {&early_seen, &late_seen}) {
    ASSERT_TRUE(seen->stopped.WaitFor(kPatience));
    std::lock_guard lock(seen->mu);
    EXPECT_EQ(seen->notices, expected);
  }
}

// What a worker's watch saw of the start and the stop.
struct StartSeen {
  Event started;
  Event stopped;
  absl::Status Watch(CoordinatorClient& client, int index) {
    return client.WatchStop(
        NodeId{"worker", index}, [this](const std::string&) { stopped.Notify(); }, nullptr,
        nullptr, [this] { started.Notify(); });
  }
};

// The start waits until the worker of every awaited node watches (is ready), then reaches
// every watcher; a worker not awaited (a colocation's inner process) hears of it at once.
TEST_F(CoordinatorTest, TheStartWaitsForEveryAwaitedWorkerThenReachesEveryWatcher) {
  StartServer(Workers(3), {}, Workers(2));
  auto first = NewClient();
  StartSeen first_seen;
  ASSERT_TRUE(first_seen.Watch(*first, 0).ok());
  ASSERT_TRUE(server_->stop().AwaitWatchers(1, absl::Now() + kPatience));
  EXPECT_FALSE(first_seen.started.WaitFor(absl::Milliseconds(300)));
  EXPECT_FALSE(server_->stop().started());

  auto second = NewClient();
  StartSeen second_seen;
  ASSERT_TRUE(second_seen.Watch(*second, 1).ok());
  ASSERT_TRUE(first_seen.started.WaitFor(kPatience));
  ASSERT_TRUE(second_seen.started.WaitFor(kPatience));
  EXPECT_TRUE(server_->stop().started());

  auto late = NewClient();
  StartSeen late_seen;
  ASSERT_TRUE(late_seen.Watch(*late, 2).ok());
  ASSERT_TRUE(late_seen.started.WaitFor(kPatience));

  server_->RequestStop("done");
  for (StartSeen* seen : {&first_seen, &second_seen, &late_seen}) {
    EXPECT_TRUE(seen->stopped.WaitFor(kPatience));
  }
}

// A stop before every awaited worker is ready (one of them could not run its node): the
// watchers hear of the stop, never of a start.
TEST_F(CoordinatorTest, AStopBeforeTheStartIsAllTheWatchersHear) {
  StartServer(Workers(2), {}, Workers(2));
  auto client = NewClient();
  StartSeen seen;
  ASSERT_TRUE(seen.Watch(*client, 0).ok());
  ASSERT_TRUE(server_->stop().AwaitWatchers(1, absl::Now() + kPatience));
  server_->RequestStop("node worker/1 failed");
  ASSERT_TRUE(seen.stopped.WaitFor(kPatience));
  // on_start would have run before on_stop, on the same thread.
  EXPECT_FALSE(seen.started.HasBeenNotified());
  EXPECT_FALSE(server_->stop().started());
}

TEST_F(CoordinatorTest, StopFromOneWorkerReachesEveryWatcher) {
  constexpr int kWorkers = 8;
  Event hook_called;
  std::atomic<int> hook_calls{0};
  std::string hook_reason;
  CoordinatorHooks hooks;
  hooks.on_stop = [&](const std::string& reason) {
    hook_reason = reason;
    ++hook_calls;
    hook_called.Notify();
  };
  StartServer(Workers(kWorkers), std::move(hooks));
  std::vector<std::unique_ptr<CoordinatorClient>> clients;
  std::vector<Watcher> watchers(kWorkers);
  for (int i = 0; i < kWorkers; ++i) {
    clients.push_back(NewClient());
    ASSERT_TRUE(watchers[i].Watch(*clients[i], NodeId{"worker", i}).ok());
  }
  ASSERT_TRUE(server_->stop().AwaitWatchers(kWorkers, absl::Now() + kPatience));

  const absl::Time requested = absl::Now();
  absl::StatusOr<bool> started = clients[3]->RequestStop("all work done", NodeId{"worker", 3});
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_TRUE(*started);
  for (int i = 0; i < kWorkers; ++i) {
    ASSERT_TRUE(watchers[i].stopped.WaitFor(kPatience)) << i;
    EXPECT_THAT(watchers[i].reason, HasSubstr("all work done"));
    EXPECT_THAT(watchers[i].reason, HasSubstr("worker/3"));
    // Pushed, not polled: milliseconds normally; the bound only guards against polling.
    EXPECT_LT(watchers[i].stopped_at - requested, absl::Seconds(5)) << i;
    EXPECT_FALSE(watchers[i].lost.HasBeenNotified());
  }
  ASSERT_TRUE(hook_called.WaitFor(kPatience));
  EXPECT_THAT(hook_reason, HasSubstr("all work done"));
  EXPECT_TRUE(server_->stop().stop_event().HasBeenNotified());
  EXPECT_THAT(server_->stop().reason(), HasSubstr("worker/3"));

  // A second request changes nothing.
  EXPECT_FALSE(clients[0]->RequestStop("again").value());
  EXPECT_EQ(hook_calls.load(), 1);
  EXPECT_THAT(server_->stop().reason(), HasSubstr("all work done"));
}

TEST_F(CoordinatorTest, LauncherStopReachesWatchers) {
  StartServer(Workers(1));
  auto client = NewClient();
  Watcher watcher;
  ASSERT_TRUE(watcher.Watch(*client, NodeId{"worker", 0}).ok());
  ASSERT_TRUE(server_->stop().AwaitWatchers(1, absl::Now() + kPatience));
  EXPECT_TRUE(server_->RequestStop("Ctrl+C in the launcher"));
  EXPECT_FALSE(server_->RequestStop("again"));
  ASSERT_TRUE(watcher.stopped.WaitFor(kPatience));
  EXPECT_EQ(watcher.reason, "Ctrl+C in the launcher");
  // A clean stop, then shutdown: never "lost".
  server_->Shutdown(absl::Now() + kPatience);
  client.reset();  // joins the watch thread: any lost callback would have run by now
  EXPECT_FALSE(watcher.lost.HasBeenNotified());
}

// A worker's stop handlers ask the coordinator to stop the program, also when the
// coordinator's own notice is what stopped it: then the client does not call.
TEST_F(CoordinatorTest, RequestStopAfterTheStopNoticeAsksNothing) {
  StartServer(Workers(1));
  auto client = NewClient();
  Watcher watcher;
  ASSERT_TRUE(watcher.Watch(*client, NodeId{"worker", 0}).ok());
  ASSERT_TRUE(server_->stop().AwaitWatchers(1, absl::Now() + kPatience));
  EXPECT_TRUE(server_->RequestStop("the launcher stops"));
  ASSERT_TRUE(watcher.stopped.WaitFor(kPatience));
  // With the coordinator gone, a call could only fail (Unavailable).
  server_->Shutdown(absl::Now() + kPatience);
  absl::StatusOr<bool> started = client->RequestStop("node worker/0 stopped the program",
                                                     NodeId{"worker", 0});
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_FALSE(*started);
}

// Without the notice, the request is a call, and one that fails says so.
TEST_F(CoordinatorTest, RequestStopBeforeTheNoticeCallsTheCoordinator) {
  StartServer(Workers(1));
  auto client = NewClient();
  Watcher watcher;
  ASSERT_TRUE(watcher.Watch(*client, NodeId{"worker", 0}).ok());
  ASSERT_TRUE(server_->stop().AwaitWatchers(1, absl::Now() + kPatience));
  absl::StatusOr<bool> started = client->RequestStop("node worker/0 stopped the program",
                                                     NodeId{"worker", 0});
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_TRUE(*started);
  ASSERT_TRUE(watcher.stopped.WaitFor(kPatience));
  EXPECT_EQ(watcher.reason, "node worker/0 stopped the program (by node worker/0)");
}

TEST_F(CoordinatorTest, WatchAfterTheStopHearsItAtOnce) {
  StartServer(Workers(1));
  server_->RequestStop("early");
  auto client = NewClient();
  Watcher watcher;
  ASSERT_TRUE(watcher.Watch(*client, NodeId{"worker", 0}).ok());
  ASSERT_TRUE(watcher.stopped.WaitFor(kPatience));
  EXPECT_EQ(watcher.reason, "early");
}

TEST_F(CoordinatorTest, ShutdownWithoutStopIsCoordinatorLost) {
  StartServer(Workers(2));
  auto client = NewClient();
  Watcher watcher;
  ASSERT_TRUE(watcher.Watch(*client, NodeId{"worker", 0}).ok());
  ASSERT_TRUE(server_->stop().AwaitWatchers(1, absl::Now() + kPatience));
  server_->Shutdown();  // the launcher goes away without stopping the program
  ASSERT_TRUE(watcher.lost.WaitFor(kPatience));
  EXPECT_EQ(watcher.why.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(watcher.why.message()), HasSubstr("lost the coordinator"));
  EXPECT_THAT(std::string(watcher.why.message()), HasSubstr(address()));
  EXPECT_FALSE(watcher.stopped.HasBeenNotified());
}

TEST_F(CoordinatorTest, UnreachableCoordinatorIsLost) {
  StartServer(Workers(1));
  auto client = NewClient();
  server_->Shutdown();  // nothing listens on the port any more
  Watcher watcher;
  ASSERT_TRUE(watcher.Watch(*client, NodeId{"worker", 0}).ok());
  ASSERT_TRUE(watcher.lost.WaitFor(kPatience));
  EXPECT_FALSE(watcher.stopped.HasBeenNotified());
}

TEST_F(CoordinatorTest, ClosingTheClientEndsTheWatchQuietly) {
  StartServer(Workers(1));
  auto client = NewClient();
  Watcher watcher;
  ASSERT_TRUE(watcher.Watch(*client, NodeId{"worker", 0}).ok());
  EXPECT_EQ(client->WatchStop(NodeId{"worker", 0}, nullptr, nullptr).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(server_->stop().AwaitWatchers(1, absl::Now() + kPatience));
  client.reset();
  EXPECT_FALSE(watcher.lost.HasBeenNotified());
  EXPECT_FALSE(watcher.stopped.HasBeenNotified());
  // The coordinator notices the stream went away.
  EXPECT_TRUE(server_->stop().AwaitWatchers(0, absl::Now() + kPatience));
}

TEST_F(CoordinatorTest, ResolveIsUnavailableOnceTheProgramStops) {
  StartServer(Workers(2));
  auto client = NewClient();
  ASSERT_TRUE(client->Publish(NodeId{"worker", 1}, "courier", "h:1").ok());
  absl::StatusOr<std::string> resolved;
  std::thread resolver([&] {
    resolved = client->Resolve(NodeId{"worker", 0}, "courier", absl::Now() + kPatience);
  });
  ASSERT_TRUE(server_->addresses().AwaitWaiting(1, absl::Now() + kPatience));
  server_->RequestStop("stopping");
  resolver.join();
  EXPECT_EQ(resolved.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(resolved.status().message()), HasSubstr("worker/0"));
  EXPECT_THAT(std::string(resolved.status().message()), HasSubstr("stopping"));
  // Later resolves of unpublished addresses fail at once; published ones still resolve.
  EXPECT_EQ(client->Resolve(NodeId{"worker", 0}, "courier", absl::Now() + kPatience)
                .status()
                .code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(client->Resolve(NodeId{"worker", 1}, "courier", absl::Now() + kPatience).value(),
            "h:1");
}

TEST_F(CoordinatorTest, ResolveIsUnavailableWhenTheCoordinatorShutsDown) {
  StartServer(Workers(1));
  auto client = NewClient();
  absl::StatusOr<std::string> resolved;
  std::thread resolver([&] {
    resolved = client->Resolve(NodeId{"worker", 0}, "courier", absl::Now() + kPatience);
  });
  ASSERT_TRUE(server_->addresses().AwaitWaiting(1, absl::Now() + kPatience));
  server_->Shutdown();
  resolver.join();
  EXPECT_EQ(resolved.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace lp::internal
