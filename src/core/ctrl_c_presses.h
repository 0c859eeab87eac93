#ifndef LP_SRC_CORE_CTRL_C_PRESSES_H_
#define LP_SRC_CORE_CTRL_C_PRESSES_H_

#include <atomic>
#include <cstdint>

namespace lp::internal {

// Tells a second Ctrl+C (kill the program now) from the first one delivered twice.
//
// A wrapper that forwards signals to its child, such as `timeout --foreground`, passes on
// the SIGINT that the terminal already sent to the whole foreground process group: one
// key press arrives twice, microseconds apart. A person pressing Ctrl+C again takes far
// longer than kSamePressNanos, so SIGINTs within it of the first are the same press.
//
// Async-signal-safety: Classify touches only a lock-free atomic, so a signal handler may
// call it, also on several threads at once (a process-directed signal may be handled by
// any thread): exactly one caller gets kFirst.
class CtrlCPresses {
 public:
  static constexpr int64_t kSamePressNanos = 100'000'000;  // 100 ms

  enum class Press {
    kFirst,      // stop the program
    kSamePress,  // an echo of the first: ignore
    kSecond,     // the user insists: kill the program now
  };

  // What a SIGINT received at `now_nanos` (MonotonicNanos) means.
  Press Classify(int64_t now_nanos);

  // Forgets the first press (a new launch starts counting again).
  void Reset() { first_nanos_.store(kNone); }

 private:
  static constexpr int64_t kNone = -1;
  static_assert(std::atomic<int64_t>::is_always_lock_free);
  std::atomic<int64_t> first_nanos_{kNone};
};

// CLOCK_MONOTONIC in nanoseconds. Async-signal-safe (clock_gettime is, by POSIX).
int64_t MonotonicNanos();

}  // namespace lp::internal

#endif  // LP_SRC_CORE_CTRL_C_PRESSES_H_
