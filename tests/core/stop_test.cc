// The termination API inside running programs: every way to wait for a stop, stop
// handlers, who may call Stop(), and how a failing node stops the program.

#include "lp/stop.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "lp/event.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lp/lp.h"

namespace lp {
namespace {

using ::testing::HasSubstr;

const LaunchOptions kTestMt{.launch_type = LaunchType::kTestMt};

TEST(StopTest, EveryWaitingMechanismWakesOnStop) {
  std::atomic<int> woken{0};
  Program program("mechanisms");
  program.AddNode(FunctionNode([&] {
                    while (!WaitForStop(absl::Milliseconds(20))) {
                    }
                    ++woken;
                  }),
                  "periodic");
  program.AddNode(FunctionNode([&] {
                    EXPECT_TRUE(WaitForStop());
                    ++woken;
                  }),
                  "blocking");
  program.AddNode(FunctionNode([&] {
                    StopEvent().Wait();
                    ++woken;
                  }),
                  "event");
  program.AddNode(FunctionNode([&] {
                    std::mutex mu;
                    std::condition_variable_any cv;
                    std::unique_lock lock(mu);
                    cv.wait(lock, StopToken(), [] { return false; });
                    ++woken;
                  }),
                  "token");
  program.AddNode(FunctionNode([&] {
                    Event stopped;
                    RegisterStopHandler([&] { stopped.Notify(); });
                    stopped.Wait();
                    ++woken;
                  }),
                  "handler");
  program.AddNode(FunctionNode([] { Stop(); }), "stopper");
  ASSERT_TRUE(Launch(std::move(program), kTestMt).Wait().ok());
  EXPECT_EQ(woken, 5);
}

TEST(StopTest, WaitForStopTimesOutWhileRunning) {
  Event checked;
  bool timed_out = false;
  Program program("timeout");
  program.AddNode(FunctionNode([&] {
                    timed_out = !WaitForStop(absl::Milliseconds(10));
                    checked.Notify();
                    WaitForStop();
                  }),
                  "waiter");
  Controller controller = Launch(std::move(program), kTestMt);
  checked.Wait();
  controller.Stop();
  ASSERT_TRUE(controller.Wait().ok());
  EXPECT_TRUE(timed_out);
}

TEST(StopTest, StopFromAThreadTheNodeStarted) {
  Program program("own_thread");
  program.AddNode(FunctionNode([] {
                    std::thread helper([] {
                      EXPECT_EQ(CurrentNode(), nullptr);  // not a node thread...
                      Stop();                             // ...yet it may stop the program
                    });
                    WaitForStop();
                    helper.join();
                  }),
                  "node");
  program.AddNode(FunctionNode([] { WaitForStop(); }), "other");
  ASSERT_TRUE(Launch(std::move(program), kTestMt).Wait().ok());
}

TEST(StopTest, HandlerRunsAtMostOnceUnderConcurrentStops) {
  std::atomic<int> calls{0};
  Event registered;
  Program program("once");
  program.AddNode(FunctionNode([&] {
                    RegisterStopHandler([&] { ++calls; });
                    registered.Notify();
                    WaitForStop();
                  }),
                  "holder");
  program.AddNode(FunctionNode([&] {
                    registered.Wait();
                    std::vector<std::thread> stoppers;
                    for (int i = 0; i < 8; ++i) stoppers.emplace_back([] { Stop(); });
                    for (auto& thread : stoppers) thread.join();
                  }),
                  "stoppers");
  Controller controller = Launch(std::move(program), kTestMt);
  controller.Stop();
  ASSERT_TRUE(controller.Wait().ok());
  EXPECT_EQ(calls, 1);
}

TEST(StopTest, HandlerRegisteredAfterStopRunsAtOnce) {
  bool ran_before_register_returned = false;
  Program program("late");
  program.AddNode(FunctionNode([&] {
                    Stop();
                    bool ran = false;
                    RegisterStopHandler([&ran] { ran = true; });
                    ran_before_register_returned = ran;
                  }),
                  "late");
  ASSERT_TRUE(Launch(std::move(program), kTestMt).Wait().ok());
  EXPECT_TRUE(ran_before_register_returned);
}

TEST(StopTest, UnregisteredHandlerDoesNotRun) {
  std::atomic<int> calls{0};
  bool first_unregister = false, second_unregister = true;
  Program program("unregister");
  program.AddNode(FunctionNode([&] {
                    StopHandlerId id = RegisterStopHandler([&] { ++calls; });
                    first_unregister = UnregisterStopHandler(id);
                    second_unregister = UnregisterStopHandler(id);
                    Stop();
                  }),
                  "node");
  ASSERT_TRUE(Launch(std::move(program), kTestMt).Wait().ok());
  EXPECT_TRUE(first_unregister);
  EXPECT_FALSE(second_unregister);
  EXPECT_EQ(calls, 0);
}

TEST(StopTest, LastNodeEndingStopsTheProgram) {
  std::atomic<int> calls{0};
  Program program("ends");
  program.AddNode(FunctionNode([&] { RegisterStopHandler([&] { ++calls; }); }), "only");
  ASSERT_TRUE(Launch(std::move(program), kTestMt).Wait().ok());
  EXPECT_EQ(calls, 1);
}

TEST(StopTest, ControllerStopReachesNodes) {
  Event waiting;
  Program program("outside");
  program.AddNode(FunctionNode([&] {
                    waiting.Notify();
                    WaitForStop();
                  }),
                  "node");
  Controller controller = Launch(std::move(program), kTestMt);
  waiting.Wait();
  EXPECT_FALSE(controller.WaitFor(absl::Milliseconds(1)));
  controller.Stop();
  EXPECT_TRUE(controller.WaitFor(absl::Minutes(1)));
  EXPECT_TRUE(controller.Wait().ok());
}

// local_mt, so that the failure is only reported through Wait() (test_mt would also
// fail this test; see test_mt_test.cc).
TEST(StopTest, FailingNodeStopsTheProgramAndIsNamed) {
  std::atomic<bool> other_saw_stop{false};
  Program program("failing");
  program.AddNode(FunctionNode([&] { other_saw_stop = WaitForStop(); }), "steady");
  {
    auto group = program.Group("worker");
    program.AddNode(FunctionNode([] { WaitForStop(); }));
    program.AddNode(FunctionNode([] { throw std::runtime_error("boom: disk full"); }));
  }
  absl::Status status =
      Launch(std::move(program), {.launch_type = LaunchType::kLocalMt, .handle_signals = false})
          .Wait();
  EXPECT_TRUE(absl::IsAborted(status));
  EXPECT_EQ(status.message(), "node worker/1 failed: boom: disk full");
  EXPECT_TRUE(other_saw_stop);
}

TEST(StopTest, ClassNodeConstructorFailureIsNamed) {
  struct Broken {
    Broken() { throw std::invalid_argument("bad config"); }
  };
  Program program("ctor");
  program.AddNode(ClassNode<Broken>(), "broken");
  absl::Status status =
      Launch(std::move(program), {.launch_type = LaunchType::kLocalMt, .handle_signals = false})
          .Wait();
  EXPECT_THAT(status.message(), HasSubstr("node broken/0 failed: bad config"));
}

TEST(StopTest, ClassNodeRunIsCalledUnlessDisabled) {
  static std::atomic<int> runs{0};
  struct Runner {
    void Run() { ++runs; }
  };
  Program program("run");
  ClassNode<Runner> enabled;
  ClassNode<Runner> disabled;
  disabled.DisableRun();
  program.AddNode(enabled, "enabled");
  program.AddNode(disabled, "disabled");
  ASSERT_TRUE(Launch(std::move(program), kTestMt).Wait().ok());
  EXPECT_EQ(runs, 1);
}

}  // namespace
}  // namespace lp
