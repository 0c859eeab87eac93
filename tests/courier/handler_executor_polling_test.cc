// HandlerExecutor polling a completion queue (HandlerExecutor::Poll), as a CourierServer's
// does: the thread that takes a call runs it, keeping the queue (watched, if its handler
// may block, by a thread that takes the queue over should the call outlast a limit), or
// while another thread takes over the queue (a method whose calls outlasted the limit),
// calls beyond the bound wait in the executor's queue while the completion queue is still
// polled, and work submitted from elsewhere wakes a thread waiting in the queue. The calls
// here are alarms on a real gRPC completion queue, whose tags run tasks as a server's
// arrivals do (CourierServiceImpl::Arrived).
#include <grpcpp/alarm.h>
#include <grpcpp/completion_queue.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "lp/event.h"
#include "lp/internal/blocking_region.h"
#include "src/courier/rpc/call_ends.h"
#include "src/courier/rpc/grpc_library.h"
#include "src/courier/rpc/handler_executor.h"
#include "tests/courier/rpc_test_util.h"

namespace lp::rpc {
namespace {

constexpr HandlerExecutor::Arrival kInline = HandlerExecutor::Arrival::kInline;
constexpr HandlerExecutor::Arrival kTakenAtOnce = HandlerExecutor::Arrival::kTakenAtOnce;

using ::lp::testing::Gate;
using ::lp::testing::kLong;

// A call that arrives through the queue: on the thread that takes it, it runs `task`
// through RunOnArrival, and records where it was taken and where the task ran.
class Arrival final : public CompletionTag {
 public:
  Arrival(HandlerExecutor& executor, absl::AnyInvocable<void()> task,
          HandlerExecutor::Arrival kind = HandlerExecutor::Arrival::kMayBlock,
          HoldRecord* record = nullptr)
      : executor_(executor), task_(std::move(task)), kind_(kind), record_(record) {}

  void OnComplete(bool /*ok*/) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      taken_on_ = std::this_thread::get_id();
    }
    taken_.Notify();
    EXPECT_TRUE(executor_.RunOnArrival(
        [this] {
          {
            std::lock_guard<std::mutex> lock(mu_);
            ran_on_ = std::this_thread::get_id();
          }
          task_();
          ran_.Notify();
        },
        kind_, record_));
    handed_.Notify();
  }

  Event& taken() { return taken_; }
  // RunOnArrival returned: the call ran, or waits in the executor's queue.
  Event& handed() { return handed_; }
  Event& ran() { return ran_; }
  std::thread::id taken_on() {
    std::lock_guard<std::mutex> lock(mu_);
    return taken_on_;
  }
  std::thread::id ran_on() {
    std::lock_guard<std::mutex> lock(mu_);
    return ran_on_;
  }

 private:
  HandlerExecutor& executor_;
  absl::AnyInvocable<void()> task_;
  const HandlerExecutor::Arrival kind_;
  HoldRecord* const record_;
  Event taken_;
  Event handed_;
  Event ran_;
  std::mutex mu_;
  std::thread::id taken_on_;  // guarded by mu_
  std::thread::id ran_on_;    // guarded by mu_
};

// A call's end (its reply sent, or the call over): notes that it was collected.
class CallEnd final : public CompletionTag {
 public:
  void OnComplete(bool /*ok*/) override { collected_.Notify(); }
  const Event& collected() const { return collected_; }

 private:
  Event collected_;
};

// Waits until `count` of the executor's threads are idle: waiting in the queue, where only
// a completion wakes them. False if they never are.
bool AwaitIdleThreads(HandlerExecutor& executor, int count) {
  const absl::Time deadline = absl::Now() + kLong;
  while (executor.threads_idle() < count && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  return executor.threads_idle() == count;
}

// Waits until `count` (or, if `or_more`, at least `count`) of the executor's idle threads
// wait outside the queue, one of them as the watcher of calls that keep it. False if they
// never do.
bool AwaitThreadsOutsideQueue(HandlerExecutor& executor, int count, bool or_more = false) {
  auto reached = [&] {
    const int outside = executor.threads_outside_queue();
    return outside == count || (or_more && outside > count);
  };
  const absl::Time deadline = absl::Now() + kLong;
  while (!reached() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
  return reached();
}

class HandlerExecutorPollingTest : public ::testing::Test {
 protected:
  HandlerExecutorPollingTest() { KeepGrpcInitialized(); }
  ~HandlerExecutorPollingTest() override {
    if (executor_ != nullptr) executor_->Shutdown();  // shuts the queue down, empties it
  }

  HandlerExecutor& Start(int max_threads) {
    executor_ = std::make_unique<HandlerExecutor>(max_threads);
    executor_->Poll(&queue_, &ends_);
    return *executor_;
  }

  // Puts `tag` in the queue at once, as gRPC does a call that arrived.
  void Arrive(CompletionTag* tag) {
    alarms_.push_back(std::make_unique<grpc::Alarm>());
    tag->Handed();
    alarms_.back()->Set(&queue_, gpr_now(GPR_CLOCK_MONOTONIC), tag);
  }

  // Puts `tag` in ends_'s queue before it returns, as gRPC does a call whose reply was
  // sent: an alarm that is cancelled does so (where one that fires does it later, on a
  // thread of gRPC's).
  void End(CompletionTag* tag) {
    alarms_.push_back(std::make_unique<grpc::Alarm>());
    tag->Handed();
    alarms_.back()->Set(ends_.queue(), gpr_inf_future(GPR_CLOCK_MONOTONIC), tag);
    alarms_.back()->Cancel();
  }

  // A call; it lives until the executor's threads are joined (they may still be in its
  // OnComplete when its task has run).
  Arrival& NewArrival(absl::AnyInvocable<void()> task,
                      HandlerExecutor::Arrival kind = HandlerExecutor::Arrival::kMayBlock,
                      HoldRecord* record = nullptr) {
    arrivals_.push_back(std::make_unique<Arrival>(*executor_, std::move(task), kind, record));
    return *arrivals_.back();
  }

  // Starts an executor of `max_threads` whose calls that may block keep the queue: the
  // first such call hands it over (nobody watches yet), and the thread that ran it then
  // waits outside the queue as the watcher.
  HandlerExecutor& StartWatched(int max_threads) {
    HandlerExecutor& executor = Start(max_threads);
    Arrival& first = NewArrival([] {});
    Arrive(&first);
    EXPECT_TRUE(first.ran().WaitFor(kLong));
    EXPECT_EQ(executor.holds_begun(), 0);
    EXPECT_TRUE(AwaitThreadsOutsideQueue(executor, 1));
    return executor;
  }

  // A call whose handler waits at `gate`, put in the queue.
  Arrival& ArriveAt(Gate& gate) {
    Arrival& call = NewArrival([&gate] { gate.Enter(); });
    Arrive(&call);
    return call;
  }

  // A call's end that lives as long as ends_, which may still complete it.
  CallEnd& NewCallEnd() {
    call_ends_.push_back(std::make_unique<CallEnd>());
    return *call_ends_.back();
  }

  grpc::CompletionQueue queue_;
  std::vector<std::unique_ptr<CallEnd>> call_ends_;  // destroyed after ends_
  CallEnds ends_;
  std::vector<std::unique_ptr<grpc::Alarm>> alarms_;  // each fires once
  std::vector<std::unique_ptr<Arrival>> arrivals_;
  std::unique_ptr<HandlerExecutor> executor_;  // destroyed first: it empties the queue
};

TEST_F(HandlerExecutorPollingTest, ACallRunsOnTheThreadThatTookItWhileAnotherTakesOverTheQueue) {
  Start(4);
  Gate gate;
  Arrival& first = ArriveAt(gate);
  ASSERT_TRUE(gate.AwaitEntered(1));
  // The first call holds its thread; a second one is still taken off the queue.
  Arrival& second = ArriveAt(gate);
  ASSERT_TRUE(gate.AwaitEntered(2));
  gate.Release();
  ASSERT_TRUE(first.ran().WaitFor(kLong));
  ASSERT_TRUE(second.ran().WaitFor(kLong));
  // No hand-off: each ran where it was taken, and they were taken by different threads.
  EXPECT_EQ(first.ran_on(), first.taken_on());
  EXPECT_EQ(second.ran_on(), second.taken_on());
  EXPECT_NE(first.taken_on(), second.taken_on());
}

TEST_F(HandlerExecutorPollingTest, CallsBeyondMaxThreadsWaitWhileTheQueueIsStillPolled) {
  constexpr int kThreads = 2;
  HandlerExecutor& executor = Start(kThreads);
  Gate gate;
  std::vector<Arrival*> calls;
  for (int i = 0; i < kThreads + 1; ++i) {
    calls.push_back(&ArriveAt(gate));
  }
  ASSERT_TRUE(gate.AwaitEntered(kThreads));
  // The third call was taken, but its handler waits for a thread...
  ASSERT_TRUE(calls[kThreads]->taken().WaitFor(kLong));
  // ...while one thread more than the bound still takes calls off the queue.
  Arrival& probe = NewArrival([] {}, kInline);
  Arrive(&probe);
  ASSERT_TRUE(probe.ran().WaitFor(kLong));
  EXPECT_EQ(gate.entered(), kThreads);
  EXPECT_EQ(executor.threads_alive(), kThreads + 1);
  gate.Release();
  for (Arrival* call : calls) ASSERT_TRUE(call->ran().WaitFor(kLong));
  EXPECT_EQ(gate.entered(), kThreads + 1);
}

TEST_F(HandlerExecutorPollingTest, AnUnboundedCallRunsWhenEveryThreadIsBusy) {
  Start(1);
  Gate gate;
  Arrival& busy = ArriveAt(gate);
  ASSERT_TRUE(gate.AwaitEntered(1));
  Arrival& inline_call = NewArrival([] {}, kInline);  // a run_inline method's
  Arrive(&inline_call);
  EXPECT_TRUE(inline_call.ran().WaitFor(kLong));
  Arrival& taken = NewArrival([] {}, kTakenAtOnce);  // a batched call's taking
  Arrive(&taken);
  EXPECT_TRUE(taken.ran().WaitFor(kLong));
  gate.Release();
  ASSERT_TRUE(busy.ran().WaitFor(kLong));
}

TEST_F(HandlerExecutorPollingTest, ABatchedCallsTakingHandsTheQueueOver) {
  HandlerExecutor& executor = Start(4);
  ASSERT_TRUE(AwaitIdleThreads(executor, 1));
  // The batch a taking fills runs on the pool: another thread waits in the queue meanwhile.
  bool replaced = false;
  Arrival& taken = NewArrival([&] { replaced = AwaitIdleThreads(executor, 1); }, kTakenAtOnce);
  Arrive(&taken);
  ASSERT_TRUE(taken.ran().WaitFor(kLong));
  EXPECT_TRUE(replaced);
  // And its thread then waits in the queue too, as it does after a long call.
  EXPECT_TRUE(AwaitIdleThreads(executor, 2));
  EXPECT_EQ(executor.threads_outside_queue(), 0);
}

TEST_F(HandlerExecutorPollingTest, AnUnboundedCallKeepsTheQueueAndWakesNoOtherThread) {
  HandlerExecutor& executor = Start(4);
  ASSERT_TRUE(AwaitIdleThreads(executor, 1));
  // An inline method's call runs on the thread that took it, which nobody replaces: in
  // gRPC every other thread waiting in the queue costs wake-ups (handler_executor.h).
  int alive_while_running = -1;
  Arrival& inline_call = NewArrival(
      [&] { alive_while_running = executor.threads_alive(); }, kInline);
  Arrive(&inline_call);
  ASSERT_TRUE(inline_call.ran().WaitFor(kLong));
  EXPECT_EQ(alive_while_running, 1);
  EXPECT_EQ(inline_call.ran_on(), inline_call.taken_on());
  // The same thread takes the next call.
  Arrival& next = NewArrival([] {}, kInline);
  Arrive(&next);
  ASSERT_TRUE(next.ran().WaitFor(kLong));
  EXPECT_EQ(next.taken_on(), inline_call.taken_on());
  EXPECT_EQ(executor.threads_alive(), 1);
}

TEST_F(HandlerExecutorPollingTest, InlineCallsOfAServerCalledInProcessHandTheQueueOver) {
  HandlerExecutor& executor = Start(4);
  ASSERT_TRUE(AwaitIdleThreads(executor, 1));
  executor.CallsHandOverTheQueue();
  bool replaced = false;
  Arrival& inline_call =
      NewArrival([&] { replaced = AwaitIdleThreads(executor, 1); }, kInline);
  Arrive(&inline_call);
  ASSERT_TRUE(inline_call.ran().WaitFor(kLong));
  EXPECT_TRUE(replaced);
}

TEST_F(HandlerExecutorPollingTest, CallsOfAServerCalledInProcessHandTheQueueOver) {
  HandlerExecutor& executor = StartWatched(4);
  executor.CallsHandOverTheQueue();
  // The watcher goes into the queue: every idle thread waits there.
  ASSERT_TRUE(AwaitThreadsOutsideQueue(executor, 0));
  ASSERT_TRUE(AwaitIdleThreads(executor, 2));
  Arrival& call = NewArrival([] {});
  Arrive(&call);
  ASSERT_TRUE(call.ran().WaitFor(kLong));
  EXPECT_EQ(executor.holds_begun(), 0);
}

TEST_F(HandlerExecutorPollingTest, AnUnboundedCallWaitingOnAnotherNodeHandsTheQueueOver) {
  Start(4);
  Event release;
  Event waiting;
  // An inline handler that breaks its promise and waits, as on a synchronous call.
  Arrival& waiter = NewArrival(
      [&] {
        internal::BlockingRegion region;
        waiting.Notify();
        EXPECT_TRUE(release.WaitFor(kLong));
      },
      kInline);
  Arrive(&waiter);
  ASSERT_TRUE(waiting.WaitFor(kLong));
  // The thread that took it keeps the queue no longer: the next call is taken and runs.
  Arrival& next = NewArrival([] {});
  Arrive(&next);
  EXPECT_TRUE(next.ran().WaitFor(kLong));
  EXPECT_NE(next.taken_on(), waiter.taken_on());
  release.Notify();
  ASSERT_TRUE(waiter.ran().WaitFor(kLong));
}

TEST_F(HandlerExecutorPollingTest, ACallThatMayBlockKeepsTheQueueWhileAThreadWatches) {
  HandlerExecutor& executor = StartWatched(4);
  // Short whatever the machine: an empty call, preempted, may take longer than kShortCall.
  HoldRecord record(/*short_call=*/std::chrono::seconds(10));
  for (int i = 1; i <= 3; ++i) {
    // One thread waits in the queue, the other outside it, as the watcher.
    ASSERT_TRUE(AwaitIdleThreads(executor, 1));
    ASSERT_TRUE(AwaitThreadsOutsideQueue(executor, 1));
    Arrival& call = NewArrival([] {}, HandlerExecutor::Arrival::kMayBlock, &record);
    Arrive(&call);
    ASSERT_TRUE(call.ran().WaitFor(kLong));
    ASSERT_TRUE(call.handed().WaitFor(kLong));  // the record is written before this
    EXPECT_EQ(call.ran_on(), call.taken_on());
    EXPECT_EQ(executor.holds_begun(), i);
  }
  EXPECT_TRUE(record.MayHold());
  // A call preempted for longer than kHoldLimit is taken over, which may start a thread.
  if (executor.holds_taken_over() == 0) {
    EXPECT_EQ(executor.threads_alive(), 2);
  }
}

TEST_F(HandlerExecutorPollingTest, TheWatcherTakesOverTheQueueFromACallThatOutlastsTheLimit) {
  HandlerExecutor& executor = StartWatched(4);
  HoldRecord record;
  // A handler that blocks without saying so (no BlockingRegion) until the next call has
  // run: that call is taken only if another thread takes the queue over.
  Event next_ran;
  Arrival& blocker = NewArrival([&] { EXPECT_TRUE(next_ran.WaitFor(kLong)); },
                                HandlerExecutor::Arrival::kMayBlock, &record);
  Arrive(&blocker);
  ASSERT_TRUE(blocker.taken().WaitFor(kLong));
  Arrival& next = NewArrival([&] { next_ran.Notify(); });
  Arrive(&next);
  ASSERT_TRUE(next.ran().WaitFor(kLong));
  ASSERT_TRUE(blocker.handed().WaitFor(kLong));  // the record is written before this
  EXPECT_NE(next.taken_on(), blocker.taken_on());
  EXPECT_EQ(executor.holds_begun(), 1);
  EXPECT_EQ(executor.holds_taken_over(), 1);
  // The method's next calls hand the queue over.
  EXPECT_FALSE(record.MayHold());
}

TEST_F(HandlerExecutorPollingTest, ACallWaitingOnAnotherNodeHandsTheQueueOverAtOnce) {
  HandlerExecutor& executor = StartWatched(4);
  HoldRecord record;
  int64_t taken_over_at_once = -1;
  Event next_ran;
  Arrival& waiter = NewArrival(
      [&] {
        internal::BlockingRegion region;  // as a synchronous Courier call waits
        // Told before the wait starts, not kHoldLimit later by the watcher.
        taken_over_at_once = executor.holds_taken_over();
        EXPECT_TRUE(next_ran.WaitFor(kLong));
      },
      HandlerExecutor::Arrival::kMayBlock, &record);
  Arrive(&waiter);
  ASSERT_TRUE(waiter.taken().WaitFor(kLong));
  Arrival& next = NewArrival([&] { next_ran.Notify(); });
  Arrive(&next);
  ASSERT_TRUE(waiter.handed().WaitFor(kLong));
  EXPECT_EQ(taken_over_at_once, 1);
  EXPECT_FALSE(record.MayHold());
}

TEST_F(HandlerExecutorPollingTest, ACallOfAMethodWhoseCallsTakeLongHandsTheQueueOver) {
  HandlerExecutor& executor = StartWatched(4);
  HoldRecord slow;
  slow.Served(std::chrono::milliseconds(1));
  bool replaced = false;
  Arrival& call = NewArrival([&] { replaced = AwaitIdleThreads(executor, 1); },
                             HandlerExecutor::Arrival::kMayBlock, &slow);
  Arrive(&call);
  ASSERT_TRUE(call.ran().WaitFor(kLong));
  EXPECT_TRUE(replaced);
  EXPECT_EQ(executor.holds_begun(), 0);
  // After a long call its thread waits in the queue with the other, as gRPC's threads
  // would: handing the queue over to a thread waiting there costs no extra wake-up.
  ASSERT_TRUE(AwaitIdleThreads(executor, 2));
  // A short call, of another method: its thread then waits outside the queue, and the next
  // short call keeps it.
  HoldRecord quick;
  Arrival& short_call = NewArrival([] {}, HandlerExecutor::Arrival::kMayBlock, &quick);
  Arrive(&short_call);
  ASSERT_TRUE(short_call.ran().WaitFor(kLong));
  ASSERT_TRUE(short_call.handed().WaitFor(kLong));
  EXPECT_EQ(executor.holds_begun(), 0);
  ASSERT_TRUE(AwaitThreadsOutsideQueue(executor, 1));
  Arrival& next = NewArrival([] {}, HandlerExecutor::Arrival::kMayBlock, &quick);
  Arrive(&next);
  ASSERT_TRUE(next.ran().WaitFor(kLong));
  // The record is written before this; it must outlive that (ASan once saw it gone).
  ASSERT_TRUE(next.handed().WaitFor(kLong));
  EXPECT_EQ(executor.holds_begun(), 1);
}

TEST_F(HandlerExecutorPollingTest, ASubmittedTaskRunsWhileACallKeepsTheQueue) {
  HandlerExecutor& executor = StartWatched(4);
  Event task_ran;
  Arrival& call = NewArrival([&] {
    ASSERT_TRUE(executor.Submit([&task_ran] { task_ran.Notify(); }));
    // Waits without saying so; the task runs on another thread all the same.
    EXPECT_TRUE(task_ran.WaitFor(kLong));
  });
  Arrive(&call);
  ASSERT_TRUE(call.ran().WaitFor(kLong));
  EXPECT_EQ(executor.holds_begun(), 1);
}

TEST(HoldRecordTest, AMethodKeepsTheQueueWhileItsCallsAreShort) {
  HoldRecord record;
  EXPECT_TRUE(record.MayHold());  // until told otherwise
  for (int i = 0; i < 100; ++i) record.Served(HoldRecord::kShortCall / 2);
  EXPECT_TRUE(record.MayHold());
  // One call that took long (it blocked, or its thread was preempted) makes it long...
  record.Served(std::chrono::milliseconds(10));
  EXPECT_FALSE(record.MayHold());
  // ...until enough short ones came after it.
  int calls = 0;
  while (!record.MayHold() && calls < 1000) {
    record.Served(HoldRecord::kShortCall / 2);
    ++calls;
  }
  EXPECT_TRUE(record.MayHold());
  EXPECT_GT(calls, 10);
  EXPECT_LT(calls, 100);
  // A call that waited on another node counts as a long one, however short its wait.
  record.Served(HoldRecord::kShortCall / 2, /*waited_on_another_node=*/true);
  EXPECT_FALSE(record.MayHold());
  // A method whose calls all take longer than kShortCall never keeps it.
  for (int i = 0; i < 100; ++i) record.Served(2 * HoldRecord::kShortCall);
  EXPECT_FALSE(record.MayHold());
}

TEST_F(HandlerExecutorPollingTest, ASubmittedTaskWakesAThreadWaitingInTheQueue) {
  HandlerExecutor& executor = Start(4);
  // Let the first thread settle in the queue, where only a completion wakes it.
  ASSERT_TRUE(AwaitIdleThreads(executor, 1));
  for (int i = 0; i < 20; ++i) {
    auto ran = std::make_shared<Event>();  // the task may outlive a failed wait
    ASSERT_TRUE(executor.Submit([ran] { ran->Notify(); }));
    ASSERT_TRUE(ran->WaitFor(kLong)) << "task " << i << " never ran";
  }
}

TEST_F(HandlerExecutorPollingTest, AThreadWaitingOnAnotherNodeIsReplacedForQueuedCalls) {
  Start(1);
  Event release;
  Event waiting;
  Arrival& waiter = NewArrival([&] {
    internal::BlockingRegion region;  // as a synchronous Courier call waits
    waiting.Notify();
    EXPECT_TRUE(release.WaitFor(kLong));
  });
  Arrive(&waiter);
  ASSERT_TRUE(waiting.WaitFor(kLong));
  // The one handler thread waits on another node: the next call runs all the same.
  Arrival& next = NewArrival([] {});
  Arrive(&next);
  EXPECT_TRUE(next.ran().WaitFor(kLong));
  release.Notify();
  ASSERT_TRUE(waiter.ran().WaitFor(kLong));
}

TEST_F(HandlerExecutorPollingTest, ShutdownRunsQueuedCallsAndEmptiesTheQueue) {
  HandlerExecutor& executor = Start(1);
  Gate gate;
  ArriveAt(gate);  // holds the one handler thread
  ASSERT_TRUE(gate.AwaitEntered(1));
  Arrival& queued = NewArrival([] {});
  Arrive(&queued);
  ASSERT_TRUE(queued.handed().WaitFor(kLong));
  std::thread shutdown([&] { executor.Shutdown(); });
  gate.Release();
  shutdown.join();
  // Shutdown returned: the queued call ran, and no thread is left.
  EXPECT_TRUE(queued.ran().HasBeenNotified());
  EXPECT_EQ(executor.threads_alive(), 0);
  EXPECT_FALSE(executor.Submit([] {}));
}

TEST_F(HandlerExecutorPollingTest, AThreadGoingIdleCollectsTheEndsOfTheCallsItReplied) {
  Start(2);
  CallEnd& end = NewCallEnd();
  End(&end);
  // A handler replies (fewer replies than collect by themselves), and nothing else comes.
  Arrival& call = NewArrival([this] { ends_.Replied(/*bytes=*/1); });
  Arrive(&call);
  ASSERT_TRUE(call.ran().WaitFor(kLong));
  EXPECT_TRUE(end.collected().WaitFor(kLong));
  ends_.Freed();
}

TEST_F(HandlerExecutorPollingTest, AReplyFromAnotherThreadIsCollectedThoughNoThreadGoesIdle) {
  HandlerExecutor& executor = Start(2);
  // Every thread waits in the queue, where only a completion wakes it.
  ASSERT_TRUE(AwaitIdleThreads(executor, 1));
  CallEnd& end = NewCallEnd();
  End(&end);
  ends_.Replied(/*bytes=*/1);  // as a deferred method replies from a thread of its own
  executor.CollectEndsSoon();
  EXPECT_TRUE(end.collected().WaitFor(kLong));
  ends_.Freed();
}

TEST_F(HandlerExecutorPollingTest, AHandlerWaitingOnAnotherNodeStillHasTheEndsCollected) {
  HandlerExecutor& executor = Start(2);
  CallEnd& end = NewCallEnd();
  End(&end);  // of a call this thread replied to before
  Arrival& call = NewArrival([&] {
    // The other thread waits in the queue before there is anything to collect.
    ASSERT_TRUE(AwaitIdleThreads(executor, 1));
    ends_.Replied(/*bytes=*/1);
    // Now it waits, as a handler calling another node, until the end is collected.
    internal::BlockingRegion region;
    EXPECT_TRUE(end.collected().WaitFor(kLong));
  });
  Arrive(&call);
  ASSERT_TRUE(call.ran().WaitFor(kLong));
  EXPECT_TRUE(end.collected().HasBeenNotified());
  ends_.Freed();
}

TEST_F(HandlerExecutorPollingTest, ACallThatWaitedSeesTheEndsThatCameMeanwhile) {
  Start(1);
  Gate gate;
  ArriveAt(gate);  // holds the one handler thread
  ASSERT_TRUE(gate.AwaitEntered(1));
  CallEnd& end = NewCallEnd();  // as the end of the waiting call, cancelled by its caller
  bool seen_when_run = false;
  Arrival& waiting = NewArrival([&] { seen_when_run = end.collected().HasBeenNotified(); });
  Arrive(&waiting);
  ASSERT_TRUE(waiting.handed().WaitFor(kLong));
  End(&end);
  gate.Release();
  ASSERT_TRUE(waiting.ran().WaitFor(kLong));
  EXPECT_TRUE(seen_when_run);
}

}  // namespace
}  // namespace lp::rpc
