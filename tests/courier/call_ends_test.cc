// CallEnds on its own: the queue where a server's replied calls wait to be freed, and when
// they are collected. The completions here are alarms set to fire at once on its real gRPC
// queue, standing for a call's "reply sent" and "call over".
#include "src/courier/rpc/call_ends.h"

#include <grpc/support/time.h>
#include <grpcpp/alarm.h>
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "lp/event.h"
#include "src/courier/rpc/completion_tag.h"
#include "tests/courier/rpc_test_util.h"

namespace lp::rpc {
namespace {

using ::lp::testing::kLong;

// A completion that notes it was completed, and with what.
class End final : public CompletionTag {
 public:
  void OnComplete(bool ok) override {
    ok_ = ok;
    completed_.Notify();
  }
  const Event& completed() const { return completed_; }
  bool ok() const { return ok_; }

 private:
  Event completed_;
  bool ok_ = false;  // written before completed_ is notified
};

// A moment shortly after now, for a completion that is still to come.
gpr_timespec SoonFromNow() {
  return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(50, GPR_TIMESPAN));
}

class CallEndsTest : public ::testing::Test {
 protected:
  // Puts `end` in the queue now, as gRPC does once a reply is sent: an alarm that is
  // cancelled puts its tag in the queue (not ok) before Cancel() returns, where one that
  // fires does so later, on a thread of gRPC's.
  void Arrive(End& end) {
    grpc::Alarm& alarm = Alarm(end, gpr_inf_future(GPR_CLOCK_MONOTONIC));
    alarm.Cancel();
  }

  // An alarm that puts `end` in the queue at `when`.
  grpc::Alarm& Alarm(End& end, gpr_timespec when) {
    alarms_.push_back(std::make_unique<grpc::Alarm>());
    end.Handed();
    alarms_.back()->Set(ends_.queue(), when, &end);
    return *alarms_.back();
  }

  // A completion that lives as long as the test's queue, which may still complete it.
  End& NewEnd() {
    ends_made_.push_back(std::make_unique<End>());
    return *ends_made_.back();
  }

  std::vector<std::unique_ptr<End>> ends_made_;  // destroyed after ends_
  CallEnds ends_;
  std::vector<std::unique_ptr<grpc::Alarm>> alarms_;  // destroyed before ends_
};

TEST_F(CallEndsTest, CollectTakesWhatHasComeAndDoesNotWait) {
  End& first = NewEnd();
  End& second = NewEnd();
  Arrive(first);
  Arrive(second);
  ends_.Collect();
  EXPECT_TRUE(first.completed().HasBeenNotified());
  EXPECT_TRUE(second.completed().HasBeenNotified());
  ends_.Collect();  // nothing there: returns
}

TEST_F(CallEndsTest, RepliesCollectOnceEnoughOfThemHaveBeenSent) {
  End& end = NewEnd();
  Arrive(end);
  for (int i = 1; i < CallEnds::kRepliesPerCollection; ++i) {
    ends_.Replied(/*bytes=*/100);
    ASSERT_FALSE(end.completed().HasBeenNotified()) << "collected after " << i << " replies";
  }
  ends_.Replied(100);
  EXPECT_TRUE(end.completed().HasBeenNotified());
  // The count starts again.
  End& later = NewEnd();
  Arrive(later);
  ends_.Replied(100);
  EXPECT_FALSE(later.completed().HasBeenNotified());
}

TEST_F(CallEndsTest, LargeRepliesCollectAtOnce) {
  End& end = NewEnd();
  Arrive(end);
  ends_.Replied(CallEnds::kBytesPerCollection / 2);
  EXPECT_FALSE(end.completed().HasBeenNotified());
  ends_.Replied(CallEnds::kBytesPerCollection / 2);
  EXPECT_TRUE(end.completed().HasBeenNotified());
  // One reply as large as the bound collects by itself.
  End& next = NewEnd();
  Arrive(next);
  ends_.Replied(CallEnds::kBytesPerCollection);
  EXPECT_TRUE(next.completed().HasBeenNotified());
}

TEST_F(CallEndsTest, ACallCountsAsRepliedUntilFreed) {
  EXPECT_FALSE(ends_.AnyReplied());
  ends_.Replied(1);
  ends_.Replied(1);
  EXPECT_TRUE(ends_.AnyReplied());
  ends_.Freed();
  EXPECT_TRUE(ends_.AnyReplied());
  ends_.Freed();
  EXPECT_FALSE(ends_.AnyReplied());
}

TEST_F(CallEndsTest, CollectWithinWaitsForWhatIsStillToCome) {
  End& end = NewEnd();
  Alarm(end, SoonFromNow());
  const absl::Time deadline = absl::Now() + kLong;
  while (!end.completed().HasBeenNotified() && absl::Now() < deadline) {
    ends_.CollectWithin(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(end.completed().HasBeenNotified());
  EXPECT_TRUE(end.ok());  // fired
}

TEST_F(CallEndsTest, ShutdownCompletesWhatIsLeftAndWhatIsStillToCome) {
  End& arrived = NewEnd();
  End& to_come = NewEnd();
  Arrive(arrived);
  Alarm(to_come, SoonFromNow());
  ends_.Shutdown();
  EXPECT_TRUE(arrived.completed().HasBeenNotified());
  EXPECT_TRUE(to_come.completed().HasBeenNotified());
  ends_.Shutdown();  // idempotent
  ends_.Collect();   // and nothing is left to collect
}

}  // namespace
}  // namespace lp::rpc
