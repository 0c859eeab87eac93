// lp::Future<T> and lp::Promise<T>: a result that arrives later, set exactly once.
//
// The RPC transport completes calls on gRPC's threads; the caller waits on a Future.
// A Promise is the producing end, a Future the consuming end; both point at one shared
// state holding either a value or an error (absl::Status).
//
//   lp::Promise<int> promise("Add");
//   lp::Future<int> future = promise.GetFuture();
//   std::thread([p = std::move(promise)]() mutable { p.SetValue(42); }).detach();
//   int x = future.Get();                   // 42, or throws lp::RpcError
//
// Future<void> is supported: Get() returns nothing and TakeResult() an absl::Status.
// Timeouts use absl::Duration / absl::Time, like the rest of the RPC layer.
#ifndef LP_FUTURE_H_
#define LP_FUTURE_H_

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "lp/internal/blocking_region.h"
#include "lp/internal/wait_driver.h"
#include "lp/rpc_error.h"

namespace lp {

template <typename T>
class Promise;

namespace internal {

// What a Future<T> holds when ready: StatusOr<T>, or a plain Status for T = void.
template <typename T>
struct FutureResult {
  using type = absl::StatusOr<T>;
};
template <>
struct FutureResult<void> {
  using type = absl::Status;
};

// The state shared by one Promise and one Future.
// Thread safety: fully thread-safe; every member is guarded by mu_ except method_,
// which is immutable after construction, and driver_, an atomic. (std::mutex rather than
// absl::Mutex so that ThreadSanitizer sees the synchronisation even with a
// non-instrumented Abseil.)
template <typename T>
class FutureState {
 public:
  using Result = typename FutureResult<T>::type;

  explicit FutureState(std::string method) : method_(std::move(method)) {}

  using Continuation = absl::AnyInvocable<void(Result) &&>;

  // Stores the result unless one is already stored, or hands it to the continuation
  // (OnReady) when there is one. Returns whether it was stored or handed over.
  bool Set(Result result) {
    Continuation continuation;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (set_) return false;
      set_ = true;
      if (continuation_ == nullptr) {
        result_.emplace(std::move(result));
      } else {
        continuation = std::move(continuation_);
      }
    }
    if (continuation != nullptr) {
      std::move(continuation)(std::move(result));  // outside the lock: it may do anything
    } else {
      ready_.notify_all();
    }
    return true;
  }

  // Completes with INTERNAL ("abandoned") unless a result was set: for a Promise dropped
  // without one. The check comes first because the status's message costs an allocation,
  // and every Promise of a Courier call that was answered ends here too.
  void Abandon() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (set_) return;
    }
    Set(absl::InternalError("lp::Promise destroyed without a result (abandoned)"));
  }

  // Runs `continuation` with the result: now if it is stored, else from Set(). The single
  // Future owner calls this at most once, instead of Take().
  void OnReady(Continuation continuation) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!result_.has_value()) {
        continuation_ = std::move(continuation);
        return;
      }
    }
    std::move(continuation)(Take());
  }

  bool IsReady() const {
    std::lock_guard<std::mutex> lock(mu_);
    return result_.has_value();
  }

  // Lets a thread waiting for the result work with `driver` meanwhile (WaitDriver): set
  // when the result is to come from a completion that `driver`'s work runs.
  void SetDriver(WaitDriver* driver) { driver_.store(driver, std::memory_order_release); }

  // Returns whether the result is ready by `deadline` (absl::InfiniteFuture() waits forever).
  bool WaitUntil(absl::Time deadline) const {
    if (IsReady()) return true;
    // A handler thread waiting for another node's reply lets its server start another.
    BlockingRegion blocking;
    if (WaitDriver* driver = driver_.load(std::memory_order_acquire)) {
      return driver->WaitDriving(deadline, [this] { return IsReady(); });
    }
    std::unique_lock<std::mutex> lock(mu_);
    auto has_result = [this] { return result_.has_value(); };
    if (deadline == absl::InfiniteFuture()) {
      ready_.wait(lock, has_result);
      return true;
    }
    if (deadline <= absl::Now()) return has_result();
    return ready_.wait_until(lock, absl::ToChronoTime(deadline), has_result);
  }

  // Waits, then moves the result out. Only the single Future owner calls this, once.
  Result Take() {
    WaitUntil(absl::InfiniteFuture());
    std::lock_guard<std::mutex> lock(mu_);
    return std::move(*result_);
  }

  const std::string& method() const { return method_; }

 private:
  const std::string method_;
  mutable std::mutex mu_;
  mutable std::condition_variable ready_;
  bool set_ = false;              // guarded by mu_; Set() was called
  std::optional<Result> result_;  // guarded by mu_
  Continuation continuation_;     // guarded by mu_; from OnReady, until Set()
  std::atomic<WaitDriver*> driver_{nullptr};
};

}  // namespace internal

// The consuming end. Move-only, like std::future: the value is moved out by Get() or
// TakeResult(), after which the Future is no longer valid().
//
// Thread safety: a Future and its Promise may be used from different threads at the same
// time (e.g. Get() blocks while a gRPC thread sets the value). One Future object is one
// consumer: the const methods (IsReady, Wait*) may be called concurrently, but Get() and
// TakeResult() must not race with any other call on the same Future object.
template <typename T>
class Future {
 public:
  using Result = typename internal::FutureResult<T>::type;

  // An invalid Future (no Promise behind it).
  Future() = default;
  Future(Future&&) noexcept = default;
  Future& operator=(Future&&) noexcept = default;
  Future(const Future&) = delete;
  Future& operator=(const Future&) = delete;

  // A Future that is already ready, e.g. for an error detected before any I/O.
  static Future Ready(Result result, std::string method = "") {
    auto state = std::make_shared<internal::FutureState<T>>(std::move(method));
    state->Set(std::move(result));
    return Future(std::move(state));
  }

  // True until the result has been taken by Get() or TakeResult().
  bool valid() const { return state_ != nullptr; }

  // Whether the result is available (Get() would not block). False if !valid().
  bool IsReady() const { return state_ != nullptr && state_->IsReady(); }

  // Blocks until the result is available. Returns at once if !valid().
  void Wait() const { WaitUntil(absl::InfiniteFuture()); }

  // Blocks at most `timeout`; returns whether the result is available.
  bool WaitFor(absl::Duration timeout) const { return WaitUntil(absl::Now() + timeout); }

  // Blocks until `deadline` at the latest; returns whether the result is available.
  bool WaitUntil(absl::Time deadline) const {
    return state_ == nullptr || state_->WaitUntil(deadline);
  }

  // Blocks, then returns the result without throwing. Invalidates the Future.
  // On an invalid Future: FAILED_PRECONDITION.
  Result TakeResult() {
    if (state_ == nullptr) {
      return absl::FailedPreconditionError(
          "lp::Future has no result: it was default-constructed or its result was already "
          "taken");
    }
    std::shared_ptr<internal::FutureState<T>> state = std::move(state_);
    return state->Take();
  }

  // Hands the result to `callback` once it is available, without a thread waiting for it:
  // at once, on this thread, if it already is; otherwise on the thread that completes
  // the Promise — for a Courier call, a thread of lp's that reads replies, or a thread
  // that waits for another call's Future meanwhile, so `callback` must be quick and must
  // not block (start the next call, count, set another Promise). It may start
  // further calls: an actor can keep N calls in flight with no thread between them.
  // Invalidates the Future. On an invalid Future, `callback` gets FAILED_PRECONDITION at
  // once. The callback must not throw.
  void OnReady(absl::AnyInvocable<void(Result) &&> callback) {
    if (state_ == nullptr) {
      std::move(callback)(TakeResult());  // FAILED_PRECONDITION
      return;
    }
    std::shared_ptr<internal::FutureState<T>> state = std::move(state_);
    state->OnReady(std::move(callback));
  }

  // Blocks, then returns the value or throws lp::RpcError (lp::ProgramStoppedError when
  // the program is stopping) carrying the status code, the
  // message and the method name (when the Promise was given one). Invalidates the Future.
  T Get() {
    std::string method = state_ != nullptr ? state_->method() : std::string();
    Result result = TakeResult();
    if constexpr (std::is_void_v<T>) {
      if (!result.ok()) ThrowRpcError(std::move(result), std::move(method));
    } else {
      if (!result.ok()) ThrowRpcError(std::move(result).status(), std::move(method));
      return *std::move(result);
    }
  }

 private:
  friend class Promise<T>;
  explicit Future(std::shared_ptr<internal::FutureState<T>> state) : state_(std::move(state)) {}

  std::shared_ptr<internal::FutureState<T>> state_;
};

// The producing end. Move-only. The first Set* wins; later ones return false and change
// nothing. A Promise destroyed without setting anything completes its Future with
// INTERNAL ("abandoned"), so a consumer never waits forever on a dropped Promise.
//
// Thread safety: the shared state is thread-safe, so the Promise may be set on any
// thread while the Future is waited on, and several threads may race to Set* (the first
// wins). Moving, assigning or calling GetFuture() must not race with other calls on the
// same Promise object.
template <typename T>
class Promise {
 public:
  using Result = typename internal::FutureResult<T>::type;

  // `method` names the remote method, for error messages (RpcError::method()).
  explicit Promise(std::string method = "")
      : state_(std::make_shared<internal::FutureState<T>>(std::move(method))) {}
  Promise(Promise&&) noexcept = default;
  Promise& operator=(Promise&& other) noexcept {
    if (this != &other) {
      Abandon();
      state_ = std::move(other.state_);
      future_taken_ = other.future_taken_;
    }
    return *this;
  }
  Promise(const Promise&) = delete;
  Promise& operator=(const Promise&) = delete;
  ~Promise() { Abandon(); }

  // The Future of this Promise. Call once; later calls return an invalid Future.
  Future<T> GetFuture() {
    if (future_taken_ || state_ == nullptr) return Future<T>();
    future_taken_ = true;
    return Future<T>(state_);
  }

  // Completes with a result (value or error). An OK Status for Promise<void> is success.
  bool Set(Result result) { return state_ != nullptr && state_->Set(std::move(result)); }

  // Completes with an error. An OK `status` is a programming error and becomes INTERNAL.
  bool SetError(absl::Status status) {
    if (status.ok()) status = absl::InternalError("lp::Promise::SetError called with OK");
    return Set(std::move(status));
  }

  // For lp's RPC layer: a thread that waits for this Promise's Future works with `driver`
  // meanwhile (see internal::WaitDriver); null: it sleeps until the result is set. May be
  // called after the result was set, but before the Future is waited for.
  void SetWaitDriver(internal::WaitDriver* driver) {
    if (state_ != nullptr) state_->SetDriver(driver);
  }

  // Completes with a value.
  template <typename U = T>
    requires(!std::is_void_v<U>)
  bool SetValue(std::type_identity_t<U> value) {
    return Set(std::move(value));
  }
  bool SetValue()
    requires std::is_void_v<T>
  {
    return Set(absl::OkStatus());
  }

 private:
  void Abandon() {
    if (state_ != nullptr) state_->Abandon();
  }

  std::shared_ptr<internal::FutureState<T>> state_;
  bool future_taken_ = false;
};

}  // namespace lp

#endif  // LP_FUTURE_H_
