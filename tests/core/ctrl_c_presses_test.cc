// How SIGINTs are told apart: the same key press delivered twice, or a second Ctrl+C.

#include "src/core/ctrl_c_presses.h"

#include "gtest/gtest.h"

namespace lp::internal {
namespace {

using Press = CtrlCPresses::Press;

constexpr int64_t kMillis = 1'000'000;
constexpr int64_t kStart = 5'000 * kMillis;  // any monotonic time

TEST(CtrlCPressesTest, TheFirstSigintIsTheFirstPress) {
  CtrlCPresses presses;
  EXPECT_EQ(presses.Classify(kStart), Press::kFirst);
}

TEST(CtrlCPressesTest, AnEchoWithinTheWindowIsTheSamePress) {
  CtrlCPresses presses;
  ASSERT_EQ(presses.Classify(kStart), Press::kFirst);
  EXPECT_EQ(presses.Classify(kStart), Press::kSamePress);
  EXPECT_EQ(presses.Classify(kStart + 1 * kMillis), Press::kSamePress);
  EXPECT_EQ(presses.Classify(kStart + CtrlCPresses::kSamePressNanos), Press::kSamePress);
}

TEST(CtrlCPressesTest, AnEchoReadingTheClockFirstOnAnotherThreadIsTheSamePress) {
  CtrlCPresses presses;
  ASSERT_EQ(presses.Classify(kStart), Press::kFirst);
  EXPECT_EQ(presses.Classify(kStart - 1 * kMillis), Press::kSamePress);
}

TEST(CtrlCPressesTest, ASigintAfterTheWindowIsASecondPress) {
  CtrlCPresses presses;
  ASSERT_EQ(presses.Classify(kStart), Press::kFirst);
  EXPECT_EQ(presses.Classify(kStart + CtrlCPresses::kSamePressNanos + 1), Press::kSecond);
  EXPECT_EQ(presses.Classify(kStart + 2'000 * kMillis), Press::kSecond);
}

// The window is measured from the first press, so echoes cannot stretch it.
TEST(CtrlCPressesTest, EchoesDoNotMoveTheWindow) {
  CtrlCPresses presses;
  ASSERT_EQ(presses.Classify(kStart), Press::kFirst);
  ASSERT_EQ(presses.Classify(kStart + 90 * kMillis), Press::kSamePress);
  EXPECT_EQ(presses.Classify(kStart + 180 * kMillis), Press::kSecond);
}

TEST(CtrlCPressesTest, ResetStartsCountingAgain) {
  CtrlCPresses presses;
  ASSERT_EQ(presses.Classify(kStart), Press::kFirst);
  presses.Reset();
  EXPECT_EQ(presses.Classify(kStart + 2'000 * kMillis), Press::kFirst);
}

TEST(CtrlCPressesTest, TheMonotonicClockDoesNotGoBack) {
  const int64_t before = MonotonicNanos();
  EXPECT_GT(before, 0);
  EXPECT_GE(MonotonicNanos(), before);
}

}  // namespace
}  // namespace lp::internal
