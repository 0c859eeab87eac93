#ifndef LP_INTERNAL_DEADLINE_WAIT_H_
#define LP_INTERNAL_DEADLINE_WAIT_H_

// Waiting on a std::condition_variable until an absl::Time deadline.
//
// Our code synchronizes with std::mutex and std::condition_variable, not
// absl::Mutex: Debian's Abseil is not built for ThreadSanitizer, so TSan cannot see the
// ordering an absl::Mutex provides and would report false races (and miss real ones).

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace lp::internal {

// Waits on `cv` (with `lock` held) until `ready()` holds or `deadline` passes; returns
// ready(). InfiniteFuture waits forever. The deadline is turned into a steady-clock one
// once, so a wall-clock jump neither ends the wait early nor stretches it.
template <typename Predicate>
bool WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
               absl::Time deadline, Predicate ready) {
  // Beyond this the wait is forever in practice; it also keeps steady_clock::now() + left
  // from overflowing.
  constexpr absl::Duration kForever = absl::Hours(24 * 365 * 100);
  const absl::Duration left = std::max(deadline - absl::Now(), absl::ZeroDuration());
  if (deadline == absl::InfiniteFuture() || left >= kForever) {
    cv.wait(lock, ready);
    return true;
  }
  return cv.wait_until(lock, std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(left),
                       ready);
}

}  // namespace lp::internal

#endif  // LP_INTERNAL_DEADLINE_WAIT_H_
