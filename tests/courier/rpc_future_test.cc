// lp::Future / lp::Promise / lp::RpcError.
#include "lp/event.h"
#include "lp/future.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>

#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lp/rpc_error.h"

namespace lp {
namespace {


TEST(RpcErrorTest, CarriesCodeMessageAndMethod) {
  RpcError error(absl::NotFoundError("no such thing"), "Lookup");
  EXPECT_EQ(error.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(error.message(), "no such thing");
  EXPECT_EQ(error.method(), "Lookup");
  EXPECT_STREQ(error.what(), "Courier call 'Lookup' failed: NOT_FOUND: no such thing");
  const std::runtime_error& base = error;
  EXPECT_NE(std::string(base.what()).find("no such thing"), std::string::npos);
}

// The message reaches the usual string tools, whichever string_view Abseil was built with.
TEST(RpcErrorTest, MessageWorksWithStrCatAndStandardStrings) {
  RpcError error(absl::InternalError("disk full"), "Save");
  EXPECT_EQ(absl::StrCat("save failed: ", error.message()), "save failed: disk full");
  const std::string copy = error.message();
  const std::string_view view = error.message();
  EXPECT_EQ(copy, view);
}

TEST(RpcErrorTest, WithoutMethod) {
  RpcError error(absl::UnavailableError("down"));
  EXPECT_STREQ(error.what(), "Courier call failed: UNAVAILABLE: down");
}

TEST(FutureTest, GetReturnsValue) {
  Promise<int> promise;
  Future<int> future = promise.GetFuture();
  EXPECT_FALSE(future.IsReady());
  EXPECT_TRUE(promise.SetValue(42));
  EXPECT_TRUE(future.IsReady());
  EXPECT_EQ(future.Get(), 42);
  EXPECT_FALSE(future.valid());
}

TEST(FutureTest, GetThrowsRpcErrorWithCodeMessageAndMethod) {
  Promise<std::string> promise("Compute");
  Future<std::string> future = promise.GetFuture();
  promise.SetError(absl::InvalidArgumentError("bad input"));
  try {
    future.Get();
    FAIL() << "Get() should have thrown";
  } catch (const RpcError& e) {
    EXPECT_EQ(e.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(e.message(), "bad input");
    EXPECT_EQ(e.method(), "Compute");
    EXPECT_NE(std::string(e.what()).find("Compute"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("bad input"), std::string::npos);
  }
}

TEST(FutureTest, SetOnlyOnce) {
  Promise<int> promise;
  Future<int> future = promise.GetFuture();
  EXPECT_TRUE(promise.SetValue(1));
  EXPECT_FALSE(promise.SetValue(2));
  EXPECT_FALSE(promise.SetError(absl::InternalError("late")));
  EXPECT_EQ(future.Get(), 1);
}

TEST(FutureTest, WaitForTimesOutThenSucceeds) {
  Promise<int> promise;
  Future<int> future = promise.GetFuture();
  EXPECT_FALSE(future.WaitFor(absl::Milliseconds(10)));
  EXPECT_FALSE(future.WaitUntil(absl::Now() - absl::Seconds(1)));
  promise.SetValue(5);
  EXPECT_TRUE(future.WaitFor(absl::ZeroDuration()));
  EXPECT_TRUE(future.WaitFor(absl::Seconds(1)));
}

TEST(FutureTest, TakeResultDoesNotThrow) {
  Promise<int> promise;
  Future<int> future = promise.GetFuture();
  promise.SetError(absl::AbortedError("stop"));
  absl::StatusOr<int> result = future.TakeResult();
  EXPECT_EQ(result.status(), absl::AbortedError("stop"));
  // Taken: the future is now empty.
  EXPECT_EQ(future.TakeResult().status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THROW(future.Get(), RpcError);
}

TEST(FutureTest, AbandonedPromiseCompletesFuture) {
  Future<int> future;
  {
    Promise<int> promise("Gone");
    future = promise.GetFuture();
  }
  ASSERT_TRUE(future.IsReady());
  try {
    future.Get();
    FAIL() << "Get() should have thrown";
  } catch (const RpcError& e) {
    EXPECT_EQ(e.code(), absl::StatusCode::kInternal);
    EXPECT_EQ(e.method(), "Gone");
  }
}

TEST(FutureTest, GetFutureOnlyOnce) {
  Promise<int> promise;
  Future<int> first = promise.GetFuture();
  Future<int> second = promise.GetFuture();
  EXPECT_TRUE(first.valid());
  EXPECT_FALSE(second.valid());
}

TEST(FutureTest, ReadyFactory) {
  Future<int> ok = Future<int>::Ready(3);
  EXPECT_TRUE(ok.IsReady());
  EXPECT_EQ(ok.Get(), 3);
  Future<int> failed = Future<int>::Ready(absl::UnavailableError("x"), "M");
  EXPECT_THROW(failed.Get(), RpcError);
}

TEST(FutureTest, MoveOnlyValue) {
  Promise<std::unique_ptr<int>> promise;
  Future<std::unique_ptr<int>> future = promise.GetFuture();
  promise.SetValue(std::make_unique<int>(9));
  EXPECT_EQ(*future.Get(), 9);
}

TEST(FutureVoidTest, ValueAndError) {
  Promise<void> ok;
  Future<void> ok_future = ok.GetFuture();
  EXPECT_TRUE(ok.SetValue());
  EXPECT_TRUE(ok_future.IsReady());
  EXPECT_NO_THROW(ok_future.Get());

  Promise<void> failed("Stop");
  Future<void> failed_future = failed.GetFuture();
  failed.SetError(absl::DeadlineExceededError("too slow"));
  EXPECT_EQ(failed_future.TakeResult().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST(FutureVoidTest, SetErrorWithOkBecomesInternal) {
  Promise<void> promise;
  Future<void> future = promise.GetFuture();
  promise.SetError(absl::OkStatus());
  EXPECT_EQ(future.TakeResult().code(), absl::StatusCode::kInternal);
}

// Get() blocks on one thread while another thread sets the value.
TEST(FutureTest, ConcurrentSetAndGet) {
  constexpr int kRounds = 2000;
  for (int i = 0; i < kRounds; ++i) {
    Promise<int> promise;
    Future<int> future = promise.GetFuture();
    std::thread setter([&promise, i] { promise.SetValue(i); });
    EXPECT_EQ(future.Get(), i);
    setter.join();
  }
}

// Many setters race; exactly one wins and the waiters all see a result.
TEST(FutureTest, RacingSettersExactlyOneWins) {
  Promise<int> promise;
  Future<int> future = promise.GetFuture();
  Event go;
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      go.Wait();
      if (promise.SetValue(i)) wins.fetch_add(1);
    });
  }
  std::thread waiter([&future] { future.Wait(); });
  go.Notify();
  for (std::thread& t : threads) t.join();
  waiter.join();
  EXPECT_EQ(wins.load(), 1);
  int value = future.Get();
  EXPECT_GE(value, 0);
  EXPECT_LT(value, 8);
}

// ---------------------------------------------------------------------------------------
// OnReady: the result handed to a callback, no thread waiting.

TEST(FutureOnReadyTest, RunsAtOnceWhenTheResultIsThere) {
  Promise<int> promise;
  Future<int> future = promise.GetFuture();
  promise.SetValue(5);
  std::optional<absl::StatusOr<int>> seen;
  future.OnReady([&](absl::StatusOr<int> result) { seen = std::move(result); });
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(**seen, 5);
  EXPECT_FALSE(future.valid());
}

TEST(FutureOnReadyTest, RunsOnTheThreadThatSetsTheResult) {
  Promise<std::string> promise("Fetch");
  Future<std::string> future = promise.GetFuture();
  std::thread::id ran_on;
  std::string value;
  future.OnReady([&](absl::StatusOr<std::string> result) {
    ran_on = std::this_thread::get_id();
    value = *std::move(result);
  });
  EXPECT_EQ(ran_on, std::thread::id());  // nothing yet
  std::thread setter([&] { promise.SetValue("payload"); });
  const std::thread::id setter_id = setter.get_id();
  setter.join();
  EXPECT_EQ(ran_on, setter_id);
  EXPECT_EQ(value, "payload");
}

TEST(FutureOnReadyTest, GetsErrorsAbandonmentAndOnlyTheFirstResult) {
  Promise<int> failing("Compute");
  std::optional<absl::StatusOr<int>> error;
  failing.GetFuture().OnReady([&](absl::StatusOr<int> r) { error = std::move(r); });
  failing.SetError(absl::UnavailableError("gone"));
  EXPECT_FALSE(failing.SetValue(1));  // the first result won; the callback ran once
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->status().code(), absl::StatusCode::kUnavailable);

  std::optional<absl::Status> abandoned;
  {
    Promise<void> dropped;
    dropped.GetFuture().OnReady([&](absl::Status s) { abandoned = s; });
  }
  ASSERT_TRUE(abandoned.has_value());
  EXPECT_EQ(abandoned->code(), absl::StatusCode::kInternal);

  Future<int> invalid;
  std::optional<absl::StatusOr<int>> precondition;
  invalid.OnReady([&](absl::StatusOr<int> r) { precondition = std::move(r); });
  ASSERT_TRUE(precondition.has_value());
  EXPECT_EQ(precondition->status().code(), absl::StatusCode::kFailedPrecondition);
}

// OnReady racing Set: every result reaches its callback exactly once, whichever came first.
TEST(FutureOnReadyTest, RacesWithSetDeliverExactlyOnce) {
  constexpr int kRounds = 2000;
  std::atomic<int> delivered{0};
  std::atomic<int64_t> sum{0};
  for (int i = 0; i < kRounds; ++i) {
    Promise<int> promise;
    Future<int> future = promise.GetFuture();
    std::thread setter([&promise, i] { promise.SetValue(i); });
    future.OnReady([&](absl::StatusOr<int> r) {
      sum.fetch_add(*r);
      delivered.fetch_add(1);
    });
    setter.join();
  }
  EXPECT_EQ(delivered.load(), kRounds);
  EXPECT_EQ(sum.load(), int64_t{kRounds} * (kRounds - 1) / 2);
}

}  // namespace
}  // namespace lp
