#include "lp/internal/batcher.h"

#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "lp/internal/blocking_region.h"
#include "src/metrics/courier_metrics.h"
#include "src/metrics/node_label.h"

namespace lp::internal {

using Clock = std::chrono::steady_clock;

struct Batcher::PendingBatch {
  std::vector<BatchedCall*> calls;
  std::vector<Done> dones;  // one per call, in the same order
  Clock::time_point deadline;  // when the batch is ready even if not full
};

absl::Status CheckBatchingOptions(const std::string& method, const BatchingOptions& options,
                                  int max_calls) {
  const std::string what = absl::StrCat("batched method '", method, "': ");
  if (options.batch_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, "batch_size must be at least 1, not ", options.batch_size));
  }
  if (options.max_parallelism < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, "max_parallelism must be at least 1, not ", options.max_parallelism));
  }
  if (options.timeout < absl::ZeroDuration() || options.timeout == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, "timeout must be finite and not negative, not ",
        absl::FormatDuration(options.timeout),
        " (the calls of a batch that never fills would wait, and hold the server's "
        "shutdown, forever)"));
  }
  if (max_calls > 0 && max_calls < options.batch_size) {
    return absl::FailedPreconditionError(absl::StrCat(
        what, "batch_size is ", options.batch_size, " but the server takes at most ",
        max_calls,
        " calls at once (CourierServerOptions.max_concurrent_handlers). A batch's calls are "
        "all taken on until it runs, so a batch could never gather ",
        options.batch_size, " calls: every one would wait for the timeout, and calls beyond ",
        max_calls, " would be refused. Raise max_concurrent_handlers to at least ",
        options.batch_size, " (", options.batch_size * options.max_parallelism,
        " to run max_parallelism = ", options.max_parallelism,
        " full batches at once), or lower batch_size."));
  }
  return absl::OkStatus();
}

Batcher::Batcher(BatchingOptions options, BatchFunction run, const std::string& method)
    : options_(options), run_(std::move(run)) {
  if (!method.empty()) {
    prometheus::Histogram& sizes =
        metrics::CourierMetrics::Get().BatchSize(metrics::CurrentNodeLabel(), method);
    record_size_ = [&sizes](std::size_t calls) { sizes.Observe(static_cast<double>(calls)); };
  }
  if (absl::Status status = CheckBatchingOptions("(unnamed)", options_); !status.ok()) {
    throw std::invalid_argument(std::string(status.message()));
  }
  if (!run_) throw std::invalid_argument("Batcher: empty BatchFunction");
}

Batcher::~Batcher() {
  std::thread timer;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    timer = std::move(timer_);
  }
  timer_wakeup_.notify_all();
  if (timer.joinable()) timer.join();  // not started: no call ever came, nothing is pending
}

void Batcher::Submit(BatchedCall* call, Done done) {
  // One hold of the lock from the call's entry to its batch's start: released in between,
  // the timer thread could find the batch ready and run it first.
  std::unique_lock lock(mu_);
  if (EnqueueLocked(call, std::move(done))) RunReadyBatches(lock);
}

bool Batcher::Enqueue(BatchedCall* call, Done done) {
  std::lock_guard lock(mu_);
  return EnqueueLocked(call, std::move(done));
}

bool Batcher::EnqueueLocked(BatchedCall* call, Done done) {
  const std::size_t batch_size = static_cast<std::size_t>(options_.batch_size);
  if (!timer_.joinable()) timer_ = std::thread([this] { RunTimer(); });

  if (pending_.empty() || pending_.back()->calls.size() >= batch_size) {
    auto batch = std::make_unique<PendingBatch>();
    batch->deadline = Clock::now() + absl::ToChronoNanoseconds(options_.timeout);
    batch->calls.reserve(batch_size);
    batch->dones.reserve(batch_size);
    pending_.push_back(std::move(batch));
    // A new oldest batch: the timer must learn its deadline.
    if (pending_.size() == 1) timer_wakeup_.notify_one();
  }
  PendingBatch& batch = *pending_.back();
  batch.calls.push_back(call);
  batch.dones.push_back(std::move(done));
  return running_ < options_.max_parallelism && OldestIsReady();
}

void Batcher::RunReady() {
  std::unique_lock lock(mu_);
  RunReadyBatches(lock);
}

void Batcher::RunReadyOnTimerThread() {
  std::lock_guard lock(mu_);
  timer_wakeup_.notify_one();  // it runs what is ready when it wakes (RunTimer)
}

absl::Status Batcher::Call(BatchedCall* call) {
  std::mutex mu;
  std::condition_variable ran;
  std::optional<absl::Status> status;  // guarded by mu
  Submit(call, [&](absl::Status batch_status) {
    // Notified under the lock: once `status` is set, this frame may be gone.
    std::lock_guard lock(mu);
    status = std::move(batch_status);
    ran.notify_one();
  });
  std::unique_lock lock(mu);
  if (!status.has_value()) {
    BlockingRegion blocking;  // waits for other calls: a server may start a thread
    ran.wait(lock, [&] { return status.has_value(); });
  }
  return *std::move(status);
}

bool Batcher::OldestIsReady() const {
  if (pending_.empty()) return false;
  const PendingBatch& oldest = *pending_.front();
  return stopping_ || oldest.calls.size() >= static_cast<std::size_t>(options_.batch_size) ||
         Clock::now() >= oldest.deadline;
}

void Batcher::RunReadyBatches(std::unique_lock<std::mutex>& lock) {
  while (running_ < options_.max_parallelism && OldestIsReady()) {
    // Started: no call can join it any more (it left pending_), so `calls` is frozen.
    std::unique_ptr<PendingBatch> batch = std::move(pending_.front());
    pending_.pop_front();
    ++running_;
    if (!pending_.empty()) timer_wakeup_.notify_one();  // a new oldest batch
    lock.unlock();

    const absl::Status status = Run(*batch);
    lock.lock();
    --running_;
    // The method is free for the next batch while this thread tells this one's calls: the
    // timer thread starts it, if it is ready.
    if (OldestIsReady()) timer_wakeup_.notify_one();
    lock.unlock();
    for (Done& done : batch->dones) std::move(done)(status);
    batch.reset();  // the calls' records may be gone now
    lock.lock();
  }
  // The timer learns of every new oldest batch (above and in Enqueue) and of every slot
  // freed while the next batch is ready (above); a ready batch that waits for a slot is
  // also started by the loop of a running one, whichever takes the lock first.
}

void Batcher::RunTimer() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (pending_.empty()) {
      if (stopping_) return;
      timer_wakeup_.wait(lock);
    } else if (OldestIsReady()) {
      if (running_ < options_.max_parallelism) {
        RunReadyBatches(lock);
      } else {
        timer_wakeup_.wait(lock);  // until a slot frees
      }
    } else {
      // A copy: wait_until reads its deadline again after waking, and by then another
      // thread may have started and freed that batch.
      const Clock::time_point deadline = pending_.front()->deadline;
      timer_wakeup_.wait_until(lock, deadline);
    }
  }
}

absl::Status Batcher::Run(PendingBatch& batch) {
  const std::size_t num_calls = batch.calls.size();
  if (record_size_) record_size_(num_calls);  // the calls, not the padding
  std::vector<BatchedCall*> calls = batch.calls;
  if (options_.pad_batch) calls.resize(static_cast<std::size_t>(options_.batch_size), calls[0]);
  try {
    return run_(calls, num_calls);
  } catch (const std::exception& e) {
    return absl::UnknownError(absl::StrCat("the batched method threw an exception (every call of ",
                                           "its batch of ", num_calls, " fails): ", e.what()));
  } catch (...) {
    return absl::UnknownError(absl::StrCat(
        "the batched method threw an exception not derived from std::exception (every call "
        "of its batch of ",
        num_calls, " fails)"));
  }
}

}  // namespace lp::internal
