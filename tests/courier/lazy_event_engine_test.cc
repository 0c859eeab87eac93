// LazyEventEngine: closures run now and later, timers cancelled, no thread until asked,
// and an lp process whose gRPC has none of the default engine's threads.
#include "src/courier/rpc/lazy_event_engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lp/courier_channel.h"
#include "lp/courier_server.h"
#include "lp/event.h"
#include "src/courier/rpc/grpc_library.h"
#include "tests/courier/rpc_test_util.h"
#include "tests/support/thread_count.h"

namespace lp::rpc {
namespace {

using ::lp::testing::kLong;
using Duration = grpc_event_engine::experimental::EventEngine::Duration;
using std::chrono::milliseconds;

TEST(LazyEventEngineTest, StartsNoThreadUntilAClosureIsAskedFor) {
  LazyEventEngine engine;
  EXPECT_EQ(engine.ThreadsStarted(), 0);
  EXPECT_FALSE(engine.IsWorkerThread());
  Event ran;
  engine.Run([&] { ran.Notify(); });
  ASSERT_TRUE(ran.WaitFor(kLong));
  EXPECT_EQ(engine.ThreadsStarted(), 1);
}

TEST(LazyEventEngineTest, RunsClosuresOnItsOwnThreads) {
  LazyEventEngine engine;
  std::atomic<bool> on_worker{false};
  Event ran;
  engine.Run([&] {
    on_worker = engine.IsWorkerThread();
    ran.Notify();
  });
  ASSERT_TRUE(ran.WaitFor(kLong));
  EXPECT_TRUE(on_worker);

  // The Closure* form, which gRPC's own code uses.
  struct Note : grpc_event_engine::experimental::EventEngine::Closure {
    Event done;
    void Run() override { done.Notify(); }
  } note;
  engine.Run(&note);
  EXPECT_TRUE(note.done.WaitFor(kLong));
}

// gRPC's closures may block (a DNS lookup, a lock): one that does must not hold up the
// next, or two closures that wait for each other would hang gRPC.
TEST(LazyEventEngineTest, AClosureThatBlocksDoesNotHoldUpTheNext) {
  LazyEventEngine engine;
  Event second_ran;
  Event first_done;
  engine.Run([&] {
    EXPECT_TRUE(second_ran.WaitFor(kLong));
    first_done.Notify();
  });
  engine.Run([&] { second_ran.Notify(); });
  EXPECT_TRUE(first_done.WaitFor(kLong));
  EXPECT_EQ(engine.ThreadsStarted(), 2);
}

TEST(LazyEventEngineTest, RunAfterWaitsUntilItsTimeHasPassed) {
  LazyEventEngine engine;
  const auto asked = std::chrono::steady_clock::now();
  std::atomic<int64_t> waited_ms{-1};
  Event ran;
  engine.RunAfter(milliseconds(200), [&] {
    waited_ms = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - asked)
                    .count();
    ran.Notify();
  });
  ASSERT_TRUE(ran.WaitFor(kLong));
  EXPECT_GE(waited_ms.load(), 200);
}

TEST(LazyEventEngineTest, TimersRunInTheOrderOfTheirDeadlines) {
  LazyEventEngine engine;
  std::mutex mu;
  std::vector<std::string> order;
  Event both;
  auto record = [&](std::string name) {
    std::lock_guard lock(mu);
    order.push_back(std::move(name));
    if (order.size() == 2) both.Notify();
  };
  // The later one first: the timer thread, already waiting for it, must wake for the
  // earlier one.
  engine.RunAfter(milliseconds(400), [&] { record("late"); });
  engine.RunAfter(milliseconds(20), [&] { record("early"); });
  ASSERT_TRUE(both.WaitFor(kLong));
  std::lock_guard lock(mu);
  EXPECT_EQ(order, (std::vector<std::string>{"early", "late"}));
}

TEST(LazyEventEngineTest, CancelStopsATimerThatHasNotRun) {
  LazyEventEngine engine;
  std::atomic<bool> cancelled_ran{false};
  auto handle = engine.RunAfter(milliseconds(100), [&] { cancelled_ran = true; });
  EXPECT_TRUE(engine.Cancel(handle));
  EXPECT_FALSE(engine.Cancel(handle));  // once only

  // A timer after it on the same thread has run, so the cancelled one would have too.
  Event later_ran;
  auto later = engine.RunAfter(milliseconds(300), [&] { later_ran.Notify(); });
  ASSERT_TRUE(later_ran.WaitFor(kLong));
  EXPECT_FALSE(cancelled_ran);
  EXPECT_FALSE(engine.Cancel(later));  // it ran: too late

  EXPECT_FALSE(engine.Cancel(grpc_event_engine::experimental::EventEngine::TaskHandle{{0, 0}}));
}

// gRPC's "never" is the longest Duration there is: it must neither overflow the clock
// (and run at once) nor lose its handle.
TEST(LazyEventEngineTest, ATimerForNeverWaitsAndCanBeCancelled) {
  LazyEventEngine engine;
  std::atomic<bool> ran{false};
  auto never = engine.RunAfter(Duration::max(), [&] { ran = true; });
  Event soon;
  engine.RunAfter(milliseconds(50), [&] { soon.Notify(); });
  ASSERT_TRUE(soon.WaitFor(kLong));
  EXPECT_FALSE(ran);
  EXPECT_TRUE(engine.Cancel(never));
}

TEST(LazyEventEngineTest, EndsWithTimersPendingWithoutRunningThem) {
  std::atomic<bool> ran{false};
  {
    LazyEventEngine engine;
    engine.RunAfter(std::chrono::hours(1), [&] { ran = true; });
    Event worked;
    engine.Run([&] { worked.Notify(); });
    ASSERT_TRUE(worked.WaitFor(kLong));
  }  // joins its two threads, or the test would hang here
  EXPECT_FALSE(ran);
}

// An endpoint configuration with nothing in it.
struct NoSettings : grpc_event_engine::experimental::EndpointConfig {
  absl::optional<int> GetInt(absl::string_view) const override { return absl::nullopt; }
  absl::optional<absl::string_view> GetString(absl::string_view) const override {
    return absl::nullopt;
  }
  void* GetVoidPointer(absl::string_view) const override { return nullptr; }
};

TEST(LazyEventEngineTest, NetworkIoFailsWithAStatusThatSaysWhy) {
  LazyEventEngine engine;
  auto listener = engine.CreateListener([](auto, auto) {}, [](absl::Status) {}, NoSettings(),
                                        nullptr);
  ASSERT_FALSE(listener.ok());
  EXPECT_EQ(listener.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(listener.status().message().find("LP_GRPC_EVENT_ENGINE=grpc"), std::string::npos);
  EXPECT_EQ(engine.GetDNSResolver({}), nullptr);
}

// What the engine is for: an lp server and a channel calling it leave none of the default
// engine's threads in the process. (This test binary makes no gRPC object before lp does.)
TEST(LazyEventEngineTest, AnLpProcessHasNoneOfGrpcsEngineThreads) {
  CourierServer server;
  ASSERT_TRUE(server.RegisterMethod("Echo", lp::testing::EchoFirst).ok());
  absl::StatusOr<int> port = server.Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok()) << port.status();
  auto channel = CourierChannel::Create(absl::StrCat("127.0.0.1:", *port));
  for (int i = 0; i < 3; ++i) {
    auto reply = channel->Call("Echo", lp::testing::Args({lp::testing::Int(i)}));
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(reply->int_value(), i);
  }
  EXPECT_EQ(lp::testing::ThreadsNamed("event_engine").size(), 0u);
  EXPECT_EQ(lp::testing::ThreadsNamed("timer_manager").size(), 0u);
}

// gRPC 1.51 asks the engine for a timer when a connection attempt fails (the subchannel's
// reconnect backoff), and drops its default engine with the last channel or server that
// holds it, on whatever thread that happens: here, typically, the engine's own timer
// thread, running the retry of a channel already gone. The engine gRPC gets is a handle to
// one kept for the process, so that is harmless (destroying an engine from its own thread
// aborts, as the Slurm TLS test did once, when gRPC held the engine itself), and the next
// channel works. (This test binary holds no other channel or server meanwhile.)
TEST(LazyEventEngineTest, GrpcMayDropItsEngineOnTheEnginesOwnThread) {
  KeepGrpcInitialized();
  {
    auto channel = CourierChannel::Create("127.0.0.1:1");  // nothing listens there
    // Calls wait for the connection (wait_for_ready): this one ends at its deadline, after
    // a few attempts to connect.
    auto reply = channel->Call("Echo", lp::testing::Args({lp::testing::Int(1)}),
                               lp::testing::Timeout(absl::Milliseconds(300)));
    ASSERT_FALSE(reply.ok());
    ASSERT_GT(EngineHandlesHeldByGrpc(), 0);  // the channel holds a handle, not an engine
  }
  const absl::Time deadline = absl::Now() + kLong;
  while (EngineHandlesHeldByGrpc() > 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));  // polling a count, not waiting on luck
  }
  ASSERT_EQ(EngineHandlesHeldByGrpc(), 0);

  CourierServer server;
  ASSERT_TRUE(server.RegisterMethod("Echo", lp::testing::EchoFirst).ok());
  absl::StatusOr<int> port = server.Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok()) << port.status();
  auto reply = CourierChannel::Create(absl::StrCat("127.0.0.1:", *port))
                   ->Call("Echo", lp::testing::Args({lp::testing::Int(7)}));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->int_value(), 7);
}

}  // namespace
}  // namespace lp::rpc
