// LiveCalls' gate on asking gRPC for slots: a server stops asking before it shuts down,
// because gRPC 1.51 loses a request for a call that races with its shutdown (live_calls.h).
#include "src/courier/rpc/live_calls.h"

#include <gtest/gtest.h>

#include <thread>

#include "absl/time/time.h"
#include "lp/event.h"
#include "tests/courier/rpc_test_util.h"

namespace lp::rpc {
namespace {

using ::lp::testing::kLong;

TEST(LiveCallsTest, SlotsAreAskedForUntilAskingStops) {
  LiveCalls live;
  int asked = 0;
  EXPECT_TRUE(live.AskUnlessStopped([&] { ++asked; }));
  EXPECT_TRUE(live.AskUnlessStopped([&] { ++asked; }));
  live.StopAsking();
  EXPECT_FALSE(live.AskUnlessStopped([&] { ++asked; }));
  EXPECT_EQ(asked, 2);
}

TEST(LiveCallsTest, StopAskingWaitsForTheAskUnderWay) {
  LiveCalls live;
  Event asking, release, stopped;
  std::thread asker([&] {
    live.AskUnlessStopped([&] {
      asking.Notify();
      release.Wait();  // gRPC still queueing the request
    });
  });
  ASSERT_TRUE(asking.WaitFor(kLong));
  std::thread stopper([&] {
    live.StopAsking();
    stopped.Notify();
  });
  // Had StopAsking returned now, the server would shut down while the request is queued.
  EXPECT_FALSE(stopped.WaitFor(absl::Milliseconds(200)));
  release.Notify();
  EXPECT_TRUE(stopped.WaitFor(kLong));
  asker.join();
  stopper.join();
  EXPECT_FALSE(live.AskUnlessStopped([] { ADD_FAILURE() << "asked after StopAsking"; }));
}

TEST(LiveCallsTest, TheCountReachesNoneWhenEverySlotIsRemoved) {
  LiveCalls live;
  live.AskUnlessStopped([&] { live.Add(); });
  live.AskUnlessStopped([&] { live.Add(); });
  EXPECT_FALSE(live.WaitForNoneFor(std::chrono::milliseconds(0)));
  live.Remove();
  EXPECT_FALSE(live.WaitForNoneFor(std::chrono::milliseconds(0)));
  std::thread remover([&] { live.Remove(); });
  live.WaitForNone();
  remover.join();
  EXPECT_TRUE(live.WaitForNoneFor(std::chrono::milliseconds(0)));
}

}  // namespace
}  // namespace lp::rpc
