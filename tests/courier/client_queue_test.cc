// rpc::ClientQueue: threads that wait for a result poll the queue themselves, one at a
// time; the queue's own thread polls when none waits. Completions here are gRPC alarms on
// the process's queue, so that which thread runs each one follows from the queue's rules
// alone; the calls through sockets at the end use it as programs do.
#include "src/courier/rpc/client_queue.h"

#include <grpcpp/alarm.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "courier/courier.pb.h"
#include "gtest/gtest.h"
#include "lp/courier_channel.h"
#include "lp/courier_server.h"
#include "lp/future.h"
#include "src/courier/rpc/tsan_edge.h"
#include "tests/support/thread_count.h"

namespace lp::rpc {
namespace {

constexpr absl::Duration kLong = absl::Seconds(60);

// A completion that records the thread that ran it, then runs `then` (if any) on it.
class Recorded final : public ClientQueue::Completion {
 public:
  void Complete(bool ok) override {
    if (then) then();
    std::lock_guard<std::mutex> lock(mu_);
    ok_ = ok;
    thread_ = std::this_thread::get_id();
    thread_name_ = ::lp::testing::ThisThreadsName();
    done_ = true;
    ran_.notify_all();
  }

  bool done() const {
    std::lock_guard<std::mutex> lock(mu_);
    return done_;
  }
  // Waits without polling the queue.
  bool WaitUntilDone() {
    std::unique_lock<std::mutex> lock(mu_);
    return ran_.wait_for(lock, absl::ToChronoSeconds(kLong), [this] { return done_; });
  }
  std::thread::id thread() const {
    std::lock_guard<std::mutex> lock(mu_);
    return thread_;
  }
  std::string thread_name() const {
    std::lock_guard<std::mutex> lock(mu_);
    return thread_name_;
  }
  bool ok() const {
    std::lock_guard<std::mutex> lock(mu_);
    return ok_;
  }

  std::function<void()> then;  // set before the completion is queued

 private:
  mutable std::mutex mu_;
  std::condition_variable ran_;
  bool done_ = false;
  bool ok_ = false;
  std::thread::id thread_;
  std::string thread_name_;
};

// Queues `completion` on the process's queue, due now. The alarm must outlive its firing.
void QueueNow(grpc::Alarm& alarm, Recorded& completion) {
  ClientQueue::Completion* tag = &completion;
  TsanEdge();  // as a call's start does, for the thread that will run the completion
  alarm.Set(ClientQueue::Get().queue(), absl::ToChronoTime(absl::Now()), tag);
}

// Waits until `count` threads are in WaitDriving.
bool WaitForWaiters(int count) {
  const absl::Time deadline = absl::Now() + kLong;
  while (ClientQueue::Get().waiters() != count) {
    if (absl::Now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

// A thread that waits for a result runs what reaches it: once the queue's own thread has
// seen it come, that thread leaves the queue to it.
TEST(ClientQueueTest, AThreadThatWaitsRunsTheCompletionThatBringsItsResult) {
  ClientQueue& queue = ClientQueue::Get();
  const int64_t by_waiters = queue.completions_run_by_waiters();
  Recorded first;
  Recorded second;
  grpc::Alarm first_alarm;
  grpc::Alarm second_alarm;
  std::thread queuer([&] {
    ASSERT_TRUE(WaitForWaiters(1));
    QueueNow(first_alarm, first);
    ASSERT_TRUE(first.WaitUntilDone());
    QueueNow(second_alarm, second);
  });
  EXPECT_TRUE(queue.WaitDriving(absl::Now() + kLong, [&] { return second.done(); }));
  queuer.join();
  EXPECT_TRUE(second.ok());
  EXPECT_EQ(second.thread(), std::this_thread::get_id());
  EXPECT_GT(queue.completions_run_by_waiters(), by_waiters);
}

// Calls that nobody waits for end too (Future::OnReady, CallAsync's callback): on the
// queue's own thread.
TEST(ClientQueueTest, WithNoThreadWaitingTheQueuesOwnThreadRunsTheCompletion) {
  ClientQueue& queue = ClientQueue::Get();
  const int64_t by_own_thread = queue.completions_run_by_own_thread();
  Recorded completion;
  grpc::Alarm alarm;
  QueueNow(alarm, completion);
  ASSERT_TRUE(completion.WaitUntilDone());
  EXPECT_EQ(completion.thread_name(), "lp_replies");
  EXPECT_GT(queue.completions_run_by_own_thread(), by_own_thread);
}

// Two waiters: one polls, the other sleeps; each returns with its own result, whichever
// thread ran it.
TEST(ClientQueueTest, AWaiterWhoseResultAnotherThreadRanIsWoken) {
  ClientQueue& queue = ClientQueue::Get();
  Recorded a;
  Recorded b;
  grpc::Alarm alarm_a;
  grpc::Alarm alarm_b;
  bool a_ready = false;
  std::thread waiter_a(
      [&] { a_ready = queue.WaitDriving(absl::Now() + kLong, [&] { return a.done(); }); });
  std::thread queuer([&] {
    ASSERT_TRUE(WaitForWaiters(2));
    QueueNow(alarm_b, b);
    ASSERT_TRUE(b.WaitUntilDone());
    QueueNow(alarm_a, a);
  });
  EXPECT_TRUE(queue.WaitDriving(absl::Now() + kLong, [&] { return b.done(); }));
  queuer.join();
  waiter_a.join();
  EXPECT_TRUE(a_ready);
}

// The waiter that polls leaves once its result is in; another that sleeps must take the
// queue over, since the queue's own thread stays away while any thread waits.
TEST(ClientQueueTest, AWaiterThatLeavesHandsTheQueueToOneThatSleeps) {
  ClientQueue& queue = ClientQueue::Get();
  Recorded a;
  Recorded b;
  grpc::Alarm alarm_a;
  grpc::Alarm alarm_b;
  std::atomic<bool> a_left{false};
  std::thread waiter_a([&] {
    EXPECT_TRUE(queue.WaitDriving(absl::Now() + kLong, [&] { return a.done(); }));
    a_left = true;
  });
  std::thread queuer([&] {
    ASSERT_TRUE(WaitForWaiters(2));
    QueueNow(alarm_a, a);
    ASSERT_TRUE(WaitForWaiters(1));  // waiter_a went
    QueueNow(alarm_b, b);
  });
  EXPECT_TRUE(queue.WaitDriving(absl::Now() + kLong, [&] { return b.done(); }));
  queuer.join();
  waiter_a.join();
  EXPECT_TRUE(a_left);
  EXPECT_EQ(b.thread(), std::this_thread::get_id());
}

// A completion that waits for another call in turn (a continuation that calls Get) runs on
// the poller, which polls on rather than waiting for itself to let go of the queue.
TEST(ClientQueueTest, ACompletionThatWaitsForAnotherPollsOnAsTheSamePoller) {
  ClientQueue& queue = ClientQueue::Get();
  Recorded outer;
  Recorded inner;
  grpc::Alarm outer_alarm;
  grpc::Alarm inner_alarm;
  bool inner_ready = false;
  outer.then = [&] {
    QueueNow(inner_alarm, inner);
    inner_ready = queue.WaitDriving(absl::Now() + kLong, [&] { return inner.done(); });
  };
  QueueNow(outer_alarm, outer);
  EXPECT_TRUE(queue.WaitDriving(absl::Now() + kLong, [&] { return outer.done(); }));
  EXPECT_TRUE(inner_ready);
  EXPECT_EQ(inner.thread(), outer.thread());
}

// A wait with a deadline ends at it, whether the thread polls or sleeps meanwhile.
TEST(ClientQueueTest, AWaitEndsAtItsDeadlineWhetherItPollsOrSleeps) {
  ClientQueue& queue = ClientQueue::Get();
  constexpr absl::Duration kShort = absl::Milliseconds(50);
  absl::Time start = absl::Now();
  EXPECT_FALSE(queue.WaitDriving(start + kShort, [] { return false; }));
  EXPECT_GE(absl::Now() - start, kShort);

  // Now with another thread waiting for longer, which may hold the queue meanwhile.
  Recorded later;
  grpc::Alarm alarm;
  std::thread long_waiter([&] {
    EXPECT_TRUE(queue.WaitDriving(absl::Now() + kLong, [&] { return later.done(); }));
  });
  ASSERT_TRUE(WaitForWaiters(1));
  start = absl::Now();
  EXPECT_FALSE(queue.WaitDriving(start + kShort, [] { return false; }));
  EXPECT_GE(absl::Now() - start, kShort);
  QueueNow(alarm, later);
  long_waiter.join();
}

// A caller that asks again and again whether its result is there (Future::WaitFor(0) in a
// loop) keeps the queue's own thread away, so each of its waits takes what the queue holds
// even though its deadline has passed; else the result would never come.
TEST(ClientQueueTest, WaitsWhoseDeadlineHasPassedStillTakeWhatTheQueueHolds) {
  ClientQueue& queue = ClientQueue::Get();
  // First a wait that the queue's own thread sees, so that it stays away afterwards.
  Recorded first;
  grpc::Alarm first_alarm;
  std::thread queuer([&] {
    ASSERT_TRUE(WaitForWaiters(1));
    QueueNow(first_alarm, first);
  });
  ASSERT_TRUE(queue.WaitDriving(absl::Now() + kLong, [&] { return first.done(); }));
  queuer.join();
  Recorded second;
  grpc::Alarm second_alarm;
  QueueNow(second_alarm, second);
  const absl::Time give_up = absl::Now() + kLong;
  while (!queue.WaitDriving(absl::InfinitePast(), [&] { return second.done(); })) {
    ASSERT_LT(absl::Now(), give_up) << "the result never came";
  }
}

// The voluntary context switches of this process's one thread named `name` (-1: none).
int64_t SwitchesOfThreadNamed(const std::string& name) {
  const std::set<std::string> ids = ::lp::testing::ThreadsNamed(name);
  if (ids.size() != 1) return -1;
  std::ifstream status(absl::StrCat("/proc/self/task/", *ids.begin(), "/status"));
  const std::string key = "voluntary_ctxt_switches:";
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(key, 0) == 0) return std::stoll(line.substr(key.size()));
  }
  return -1;
}

// While a thread waits long (a slow call), the queue's own thread, which stays away from
// the queue while anyone waits, sleeps rather than looking again every kHandBack: over
// half a second, a few wake-ups rather than hundreds.
TEST(ClientQueueTest, WhileAThreadWaitsLongTheQueuesOwnThreadSleeps) {
  ClientQueue& queue = ClientQueue::Get();
  Recorded first;
  Recorded later;
  grpc::Alarm first_alarm;
  grpc::Alarm later_alarm;
  std::thread waiter([&] {
    EXPECT_TRUE(queue.WaitDriving(absl::Now() + kLong, [&] { return later.done(); }));
  });
  ASSERT_TRUE(WaitForWaiters(1));
  // A completion while the thread waits: the queue's own thread, had it polled, leaves.
  QueueNow(first_alarm, first);
  ASSERT_TRUE(first.WaitUntilDone());
  const int64_t before = SwitchesOfThreadNamed("lp_replies");
  ASSERT_GE(before, 0);
  absl::SleepFor(absl::Milliseconds(500));
  const int64_t during = SwitchesOfThreadNamed("lp_replies") - before;
  QueueNow(later_alarm, later);
  waiter.join();
  EXPECT_LT(during, 50);
}

// A completion that blocks (an OnReady callback against its rule) holds the queue. A thread
// that looks at the queue now and then (a worker's stop watch) polls past it once it has
// seen the same completion running at two looks: a completion behind the blocked one runs,
// on the looking thread, and wakes the thread that sleeps waiting for it. The looking
// thread comes back when its own `done` says so, while the completion still blocks.
TEST(ClientQueueTest, AThreadThatLooksTwiceAtABlockedCompletionPollsPastIt) {
  ClientQueue& queue = ClientQueue::Get();
  const int64_t past_before = queue.completions_run_past_a_blocked_one();
  std::mutex mu;
  std::condition_variable changed;
  bool blocking = false;  // guarded by mu
  bool release = false;   // guarded by mu
  Recorded blocked;
  blocked.then = [&] {
    std::unique_lock<std::mutex> lock(mu);
    blocking = true;
    changed.notify_all();
    changed.wait(lock, [&] { return release; });
  };
  grpc::Alarm blocked_alarm;
  QueueNow(blocked_alarm, blocked);  // nobody waits: the queue's own thread runs it
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(changed.wait_for(lock, absl::ToChronoSeconds(kLong), [&] { return blocking; }));
  }
  uint64_t last_look = 0;
  EXPECT_FALSE(queue.PollPastABlockedCompletion(last_look, [] { return true; }))
      << "the first look only notes what runs";

  Recorded behind;
  grpc::Alarm behind_alarm;
  std::thread waiter([&] {
    EXPECT_TRUE(queue.WaitDriving(absl::Now() + kLong, [&] { return behind.done(); }));
  });
  ASSERT_TRUE(WaitForWaiters(1));
  QueueNow(behind_alarm, behind);
  std::thread::id looker;
  std::thread looking([&] {
    looker = std::this_thread::get_id();
    EXPECT_TRUE(queue.PollPastABlockedCompletion(last_look, [&] { return behind.done(); }));
  });
  looking.join();  // back once `behind` has run, though `blocked` still blocks
  waiter.join();
  EXPECT_EQ(behind.thread(), looker);
  EXPECT_GT(queue.completions_run_past_a_blocked_one(), past_before);
  EXPECT_FALSE(blocked.done());
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
    changed.notify_all();
  }
  ASSERT_TRUE(blocked.WaitUntilDone());
}

// ---------------------------------------------------------------------------------------
// Calls through sockets, as an actor makes them.

courier::CallArguments AddArgs(int a, int b) {
  courier::CallArguments args;
  args.add_args()->set_int_value(a);
  args.add_args()->set_int_value(b);
  return args;
}

// Starts `server` on a free TCP port with one method, "Add", which returns the sum of its
// two int arguments; returns the port.
absl::StatusOr<int> StartAdder(CourierServer& server) {
  absl::Status registered = server.RegisterMethod(
      "Add", [](const courier::CallArguments& args) -> absl::StatusOr<courier::SerializedObject> {
        courier::SerializedObject result;
        result.set_int_value(args.args(0).int_value() + args.args(1).int_value());
        return result;
      });
  if (!registered.ok()) return registered;
  return server.Start("127.0.0.1:0");
}

// Two threads keep 16 calls each in flight and wait for their Futures in turn, while a
// chain of continuations runs its own calls with nobody waiting: every result is right,
// and waiting threads ran completions of the queue.
TEST(ClientQueueTest, CallersWaitingInTurnAndAChainOfContinuationsShareTheQueue) {
  CourierServer server;
  absl::StatusOr<int> port = StartAdder(server);
  ASSERT_TRUE(port.ok()) << port.status();
  auto channel = CourierChannel::Create(absl::StrCat("127.0.0.1:", *port));
  const CallOptions options = CallOptions::WithTimeout(kLong);
  const int64_t by_waiters = ClientQueue::Get().completions_run_by_waiters();

  // The chain: each continuation starts the next call, 300 in all.
  constexpr int kChained = 300;
  std::mutex chain_mu;
  std::condition_variable chain_done;
  int chained = 0;
  int chain_errors = 0;
  std::function<void(int)> next = [&](int i) {
    channel->CallFuture("Add", AddArgs(i, 1), options)
        .OnReady([&, i](absl::StatusOr<courier::SerializedObject> result) {
          std::unique_lock<std::mutex> lock(chain_mu);
          if (!result.ok() || result->int_value() != i + 1) ++chain_errors;
          if (++chained == kChained) {
            chain_done.notify_all();
            return;
          }
          lock.unlock();
          next(i + 1);
        });
  };
  next(0);

  constexpr int kCallers = 2;
  constexpr int kCalls = 400;
  constexpr int kInFlight = 16;
  std::vector<int> wrong(kCallers, 0);
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      std::vector<Future<courier::SerializedObject>> in_flight;
      std::vector<int> expected;
      for (int i = 0; i < kCalls; ++i) {
        if (static_cast<int>(in_flight.size()) == kInFlight) {
          absl::StatusOr<courier::SerializedObject> r = in_flight.front().TakeResult();
          if (!r.ok() || r->int_value() != expected.front()) ++wrong[c];
          in_flight.erase(in_flight.begin());
          expected.erase(expected.begin());
        }
        in_flight.push_back(channel->CallFuture("Add", AddArgs(c * 100000, i), options));
        expected.push_back(c * 100000 + i);
      }
      for (size_t i = 0; i < in_flight.size(); ++i) {
        absl::StatusOr<courier::SerializedObject> r = in_flight[i].TakeResult();
        if (!r.ok() || r->int_value() != expected[i]) ++wrong[c];
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  {
    std::unique_lock<std::mutex> lock(chain_mu);
    ASSERT_TRUE(chain_done.wait_for(lock, absl::ToChronoSeconds(kLong),
                                    [&] { return chained == kChained; }));
    EXPECT_EQ(chain_errors, 0);
  }
  for (int c = 0; c < kCallers; ++c) EXPECT_EQ(wrong[c], 0) << "caller " << c;
  EXPECT_GT(ClientQueue::Get().completions_run_by_waiters(), by_waiters);
}

// A synchronous call through a socket ends on the queue too, and the calling thread polls
// it for its reply (gRPC's synchronous call, which waits in a queue of its own, would leave
// these counts alone). A synchronous call made by a continuation that the queue runs polls
// on, as the queue's poller: it does not wait for another thread to read its reply.
TEST(ClientQueueTest, SynchronousCallsThroughASocketEndOnTheQueueAndNestInContinuations) {
  CourierServer server;
  absl::StatusOr<int> port = StartAdder(server);
  ASSERT_TRUE(port.ok()) << port.status();
  auto channel = CourierChannel::Create(absl::StrCat("127.0.0.1:", *port));
  const CallOptions options = CallOptions::WithTimeout(kLong);
  ClientQueue& queue = ClientQueue::Get();
  const auto ended_on_queue = [&queue] {
    return queue.completions_run_by_waiters() + queue.completions_run_by_own_thread();
  };
  const int64_t by_waiters = queue.completions_run_by_waiters();
  const int64_t on_queue = ended_on_queue();
  constexpr int kCalls = 100;
  for (int i = 0; i < kCalls; ++i) {
    absl::StatusOr<courier::SerializedObject> sum = channel->Call("Add", AddArgs(i, 1), options);
    ASSERT_TRUE(sum.ok()) << sum.status();
    EXPECT_EQ(sum->int_value(), i + 1);
  }
  EXPECT_GE(ended_on_queue() - on_queue, kCalls);
  EXPECT_GT(queue.completions_run_by_waiters(), by_waiters);

  std::mutex mu;
  std::condition_variable nested_done;
  std::optional<absl::StatusOr<courier::SerializedObject>> nested;  // guarded by mu
  channel->CallFuture("Add", AddArgs(1, 1), options)
      .OnReady([&](absl::StatusOr<courier::SerializedObject> first) {
        absl::StatusOr<courier::SerializedObject> second =
            first.ok() ? channel->Call("Add", AddArgs(first->int_value(), 1), options)
                       : first;
        std::lock_guard<std::mutex> lock(mu);
        nested = std::move(second);
        nested_done.notify_all();
      });
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(nested_done.wait_for(lock, absl::ToChronoSeconds(kLong),
                                   [&] { return nested.has_value(); }));
  ASSERT_TRUE(nested->ok()) << nested->status();
  EXPECT_EQ((*nested)->int_value(), 3);
}

// A Future of a slow call waited for with a deadline: the wait ends at the deadline, and
// the result still comes later.
TEST(ClientQueueTest, AWaitForTheFutureOfASlowCallEndsAtItsDeadline) {
  std::mutex mu;
  std::condition_variable released_cv;
  bool released = false;
  CourierServer server;
  ASSERT_TRUE(server.RegisterMethod("Slow", [&](const courier::CallArguments&)
                                                -> absl::StatusOr<courier::SerializedObject> {
    std::unique_lock<std::mutex> lock(mu);
    released_cv.wait(lock, [&] { return released; });
    courier::SerializedObject result;
    result.set_int_value(7);
    return result;
  }).ok());
  absl::StatusOr<int> port = server.Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok()) << port.status();
  auto channel = CourierChannel::Create(absl::StrCat("127.0.0.1:", *port));
  Future<courier::SerializedObject> future =
      channel->CallFuture("Slow", courier::CallArguments(), CallOptions::WithTimeout(kLong));
  const absl::Time start = absl::Now();
  EXPECT_FALSE(future.WaitFor(absl::Milliseconds(50)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
  {
    std::lock_guard<std::mutex> lock(mu);
    released = true;
    released_cv.notify_all();
  }
  absl::StatusOr<courier::SerializedObject> result = future.TakeResult();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->int_value(), 7);
}

}  // namespace
}  // namespace lp::rpc
