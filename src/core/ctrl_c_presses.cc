#include "src/core/ctrl_c_presses.h"

#include <time.h>

namespace lp::internal {

CtrlCPresses::Press CtrlCPresses::Classify(int64_t now_nanos) {
  int64_t first = kNone;
  if (first_nanos_.compare_exchange_strong(first, now_nanos)) return Press::kFirst;
  // Two handlers racing on two threads may read the clock in either order: a negative
  // difference is the same press too.
  return now_nanos - first <= kSamePressNanos ? Press::kSamePress : Press::kSecond;
}

int64_t MonotonicNanos() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

}  // namespace lp::internal
