#ifndef LP_EVENT_H_
#define LP_EVENT_H_

#include <condition_variable>
#include <mutex>

#include "absl/time/time.h"

namespace lp {

// A one-shot event: once notified, it stays notified and every waiter wakes.
//
// Built on std::mutex and std::condition_variable rather than absl::Notification on
// purpose: Debian's Abseil is not built for ThreadSanitizer, so TSan cannot see the
// ordering an absl::Mutex provides and would report false races in every program that
// waits on one. pthread-based primitives are understood by every sanitizer.
//
// Thread safety: every method may be called from any thread.
class Event {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  void Notify() {
    // Notifying under the lock: a woken waiter may destroy the event as soon as it can
    // take the lock, so nothing may touch the event after the lock is released.
    std::lock_guard lock(mu_);
    notified_ = true;
    cv_.notify_all();
  }

  // Takes the lock, like Wait(): a caller that sees true may destroy the event at once,
  // which must not happen while Notify() still holds the lock.
  bool HasBeenNotified() const {
    std::lock_guard lock(mu_);
    return notified_;
  }

  void Wait() const {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return notified_; });
  }

  // True once notified; false when `timeout` passed first. InfiniteDuration waits forever.
  bool WaitFor(absl::Duration timeout) const {
    if (timeout == absl::InfiniteDuration()) {
      Wait();
      return true;
    }
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                        [this] { return notified_; });
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool notified_ = false;  // guarded by mu_
};

}  // namespace lp

#endif  // LP_EVENT_H_
