// HandlerExecutor on its own: the bound on its threads, the queue behind them, and a
// shutdown that runs what was queued and refuses the rest.
#include "src/courier/rpc/handler_executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "lp/event.h"
#include "lp/internal/blocking_region.h"
#include "tests/courier/rpc_test_util.h"

namespace lp::rpc {
namespace {

using ::lp::testing::Gate;
using ::lp::testing::kLong;

TEST(HandlerExecutorTest, RunsAtMostMaxThreadsTasksAtOnceAndQueuesTheRest) {
  constexpr int kThreads = 3;
  constexpr int kTasks = 20;
  Gate gate;
  std::atomic<int> done{0};
  Event all_done;
  HandlerExecutor executor(kThreads);
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_TRUE(executor.Submit([&] {
      gate.Enter();
      if (++done == kTasks) all_done.Notify();
    }));
  }
  ASSERT_TRUE(gate.AwaitEntered(kThreads));
  // The others wait in the queue: no fourth thread is started for them.
  EXPECT_EQ(executor.threads_alive(), kThreads);
  EXPECT_EQ(gate.entered(), kThreads);
  gate.Release();
  ASSERT_TRUE(all_done.WaitFor(kLong));
  EXPECT_EQ(executor.threads_alive(), kThreads);
}

TEST(HandlerExecutorTest, StartsThreadsOnlyWhenTasksOverlap) {
  HandlerExecutor executor(8);
  for (int i = 0; i < 50; ++i) {
    Event ran;
    ASSERT_TRUE(executor.Submit([&] { ran.Notify(); }));
    ASSERT_TRUE(ran.WaitFor(kLong));
    // Until the thread is back waiting, a new task would (rightly) start a second one.
    const absl::Time deadline = absl::Now() + kLong;
    while (executor.threads_idle() < executor.threads_alive() && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(1));
    }
  }
  // One at a time, each finding the one thread idle.
  EXPECT_EQ(executor.threads_alive(), 1);
}

// Waits until every thread of `executor` is idle.
bool AwaitAllIdle(const HandlerExecutor& executor) {
  const absl::Time deadline = absl::Now() + kLong;
  while (executor.threads_idle() < executor.threads_alive()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

TEST(HandlerExecutorTest, ABurstWakesEveryIdleThreadItNeedsOneAfterAnother) {
  // Threads are woken for a burst one at a time, each waking the next as it takes a task:
  // tasks that all block must still end up running on every thread, idle ones first, then
  // new ones up to the bound.
  constexpr int kThreads = 8;
  HandlerExecutor executor(kThreads);
  {
    Gate warm_up;
    for (int i = 0; i < kThreads / 2; ++i) {
      ASSERT_TRUE(executor.Submit([&] { warm_up.Enter(); }));
    }
    ASSERT_TRUE(warm_up.AwaitEntered(kThreads / 2));
    warm_up.Release();
    ASSERT_TRUE(AwaitAllIdle(executor));
  }
  ASSERT_EQ(executor.threads_alive(), kThreads / 2);
  Gate gate;
  for (int i = 0; i < kThreads + 2; ++i) ASSERT_TRUE(executor.Submit([&] { gate.Enter(); }));
  ASSERT_TRUE(gate.AwaitEntered(kThreads)) << gate.entered() << " of " << kThreads;
  EXPECT_EQ(executor.threads_alive(), kThreads);
  gate.Release();
  ASSERT_TRUE(AwaitAllIdle(executor));
  EXPECT_EQ(gate.entered(), kThreads + 2);
}

TEST(HandlerExecutorTest, NoTaskIsLeftInTheQueueUnderConcurrentSubmits) {
  // Short tasks from several threads at once, with the pool's threads going idle and
  // being woken all the time: a wake-up lost between them would leave a task queued with
  // every thread asleep, and the count short.
  constexpr int kSubmitters = 4;
  constexpr int kTasksEach = 5000;
  HandlerExecutor executor(4);
  std::atomic<int> ran{0};
  Event all_ran;
  std::vector<std::thread> submitters;
  for (int s = 0; s < kSubmitters; ++s) {
    submitters.emplace_back([&, s] {
      for (int i = 0; i < kTasksEach; ++i) {
        ASSERT_TRUE(executor.Submit([&] {
          if (++ran == kSubmitters * kTasksEach) all_ran.Notify();
        }));
        // Now and then a pause, so that the pool's threads go idle between bursts.
        if ((i + s) % 64 == 0) std::this_thread::yield();
      }
    });
  }
  for (std::thread& submitter : submitters) submitter.join();
  ASSERT_TRUE(all_ran.WaitFor(kLong)) << ran.load() << " of " << kSubmitters * kTasksEach;
}

TEST(HandlerExecutorTest, OnExecutorThreadIsTrueOnlyInItsTasks) {
  HandlerExecutor executor(2);
  HandlerExecutor other(1);
  EXPECT_FALSE(executor.OnExecutorThread());
  std::atomic<bool> mine{false};
  std::atomic<bool> theirs{true};
  Event ran;
  ASSERT_TRUE(executor.Submit([&] {
    mine = executor.OnExecutorThread();
    theirs = other.OnExecutorThread();
    ran.Notify();
  }));
  ASSERT_TRUE(ran.WaitFor(kLong));
  EXPECT_TRUE(mine);
  EXPECT_FALSE(theirs);
}

TEST(HandlerExecutorTest, ShutdownRunsQueuedTasksThenRefusesNewOnes) {
  constexpr int kTasks = 10;
  Gate gate;
  std::atomic<int> ran{0};
  HandlerExecutor executor(1);
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_TRUE(executor.Submit([&] {
      gate.Enter();
      ++ran;
    }));
  }
  ASSERT_TRUE(gate.AwaitEntered(1));
  gate.Release();
  executor.Shutdown();  // returns once the queue is drained and the thread joined
  EXPECT_EQ(ran.load(), kTasks);
  bool destroyed_unrun = false;
  struct Flag {
    bool* flag;
    ~Flag() {
      if (flag != nullptr) *flag = true;
    }
  };
  auto flag = std::make_shared<Flag>(Flag{&destroyed_unrun});
  EXPECT_FALSE(executor.Submit([flag] { FAIL() << "ran after Shutdown"; }));
  flag.reset();
  EXPECT_TRUE(destroyed_unrun);
  executor.Shutdown();  // idempotent
}

TEST(HandlerExecutorTest, ConcurrentShutdownsAllWaitForTheThreads) {
  Gate gate;
  std::atomic<bool> finished{false};
  HandlerExecutor executor(1);
  ASSERT_TRUE(executor.Submit([&] {
    gate.Enter();
    finished = true;
  }));
  ASSERT_TRUE(gate.AwaitEntered(1));
  std::vector<std::thread> stoppers;
  std::atomic<int> saw_finished{0};
  for (int i = 0; i < 3; ++i) {
    stoppers.emplace_back([&] {
      executor.Shutdown();
      if (finished) ++saw_finished;
    });
  }
  gate.Release();
  for (std::thread& stopper : stoppers) stopper.join();
  EXPECT_EQ(saw_finished.load(), 3);
}

TEST(HandlerExecutorTest, AThreadWaitingInABlockingRegionIsReplaced) {
  // One thread; its task waits for the next task. Without a replacement thread the second
  // task would never run.
  HandlerExecutor executor(1);
  Event second_ran;
  Event first_done;
  ASSERT_TRUE(executor.Submit([&] {
    internal::BlockingRegion blocking;
    if (second_ran.WaitFor(kLong)) first_done.Notify();
  }));
  ASSERT_TRUE(executor.Submit([&] { second_ran.Notify(); }));
  ASSERT_TRUE(first_done.WaitFor(kLong));
}

TEST(HandlerExecutorTest, AWaitOutsideABlockingRegionIsNotReplaced) {
  HandlerExecutor executor(1);
  Gate gate;
  Event second_ran;
  ASSERT_TRUE(executor.Submit([&] { gate.Enter(); }));
  ASSERT_TRUE(gate.AwaitEntered(1));
  ASSERT_TRUE(executor.Submit([&] { second_ran.Notify(); }));
  // The bound holds for a task that blocks without saying so: the second waits.
  EXPECT_EQ(executor.threads_alive(), 1);
  EXPECT_FALSE(second_ran.HasBeenNotified());
  gate.Release();
  ASSERT_TRUE(second_ran.WaitFor(kLong));
}

TEST(HandlerExecutorTest, ReplacementThreadsRetireOnceIdle) {
  constexpr int kThreads = 2;
  constexpr int kWaiting = 6;
  HandlerExecutor executor(kThreads);
  Event release;
  std::atomic<int> waiting{0};
  Event all_waiting;
  std::atomic<int> done{0};
  Event all_done;
  for (int i = 0; i < kWaiting; ++i) {
    ASSERT_TRUE(executor.Submit([&] {
      internal::BlockingRegion blocking;
      if (++waiting == kWaiting) all_waiting.Notify();
      release.WaitFor(kLong);
      if (++done == kWaiting) all_done.Notify();
    }));
  }
  // All of them wait at once: each waiting thread was replaced.
  ASSERT_TRUE(all_waiting.WaitFor(kLong));
  EXPECT_GE(executor.threads_alive(), kWaiting);
  release.Notify();
  ASSERT_TRUE(all_done.WaitFor(kLong));
  // Idle beyond max_threads, the extra threads retire.
  const absl::Time deadline = absl::Now() + kLong;
  while (executor.threads_alive() > kThreads && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(executor.threads_alive(), kThreads);
  // And the executor still runs tasks.
  Event ran;
  ASSERT_TRUE(executor.Submit([&] { ran.Notify(); }));
  ASSERT_TRUE(ran.WaitFor(kLong));
}

}  // namespace
}  // namespace lp::rpc
