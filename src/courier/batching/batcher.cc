#include "lp/internal/batcher.h"

#include <atomic>
#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "lp/internal/blocking_region.h"

namespace lp::internal {

using Clock = std::chrono::steady_clock;

struct Batcher::PendingBatch {
  std::vector<BatchedCall*> calls;
  Clock::time_point deadline;             // when the batch is ready even if not full
  std::condition_variable leader_wakeup;  // full, a slot freed, or it became the oldest
  // Written by the leader once, before `done` becomes true (release); read by the others
  // after they saw it true (acquire). The others wait on `done` itself, without the
  // Batcher's lock: a batch's end wakes all its callers at once, and they would otherwise
  // queue for the lock one by one.
  absl::Status status;
  std::atomic<bool> done{false};
};

absl::Status CheckBatchingOptions(const std::string& method, const BatchingOptions& options,
                                  int concurrent_handlers) {
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
        " (the calls of a batch that never fills would hold their handler threads, and the "
        "server's shutdown, forever)"));
  }
  if (concurrent_handlers > 0 && concurrent_handlers < options.batch_size) {
    return absl::FailedPreconditionError(absl::StrCat(
        what, "batch_size is ", options.batch_size, " but the server runs at most ",
        concurrent_handlers,
        " handlers at once (CourierServerOptions.handler_threads, capped by "
        "max_concurrent_handlers). Every call of a batch holds a handler thread until its "
        "batch runs, so a batch could never gather ",
        options.batch_size, " calls: all ", concurrent_handlers,
        " threads would be blocked waiting for a batch that cannot fill, every call would wait "
        "for the timeout (forever without one), and the calls behind them would wait too. "
        "Raise handler_threads and max_concurrent_handlers to at least ",
        options.batch_size, " (", options.batch_size * options.max_parallelism,
        " to run max_parallelism = ", options.max_parallelism,
        " full batches at once), or lower batch_size."));
  }
  return absl::OkStatus();
}

Batcher::Batcher(BatchingOptions options, BatchFunction run)
    : options_(options), run_(std::move(run)) {
  if (absl::Status status = CheckBatchingOptions("(unnamed)", options_); !status.ok()) {
    throw std::invalid_argument(std::string(status.message()));
  }
  if (!run_) throw std::invalid_argument("Batcher: empty BatchFunction");
}

absl::Status Batcher::Call(BatchedCall* call) {
  const std::size_t batch_size = static_cast<std::size_t>(options_.batch_size);
  std::unique_lock lock(mu_);

  std::shared_ptr<PendingBatch> batch;
  const bool leader = pending_.empty() || pending_.back()->calls.size() >= batch_size;
  if (leader) {
    batch = std::make_shared<PendingBatch>();
    batch->deadline = Clock::now() + absl::ToChronoNanoseconds(options_.timeout);
    batch->calls.reserve(batch_size);
    pending_.push_back(batch);
  } else {
    batch = pending_.back();
  }
  batch->calls.push_back(call);

  if (!leader) {
    if (batch->calls.size() == batch_size) batch->leader_wakeup.notify_one();
    lock.unlock();
    BlockingRegion blocking;  // waits for other calls: the server may start a thread
    while (!batch->done.load(std::memory_order_acquire)) {
      batch->done.wait(false, std::memory_order_acquire);
    }
    return batch->status;
  }

  // The leader: wait until the batch is ready, is the oldest, and a slot is free.
  std::optional<BlockingRegion> blocking;  // while it waits for other calls
  while (true) {
    const bool full = batch->calls.size() >= batch_size;
    const bool timed_out = !full && Clock::now() >= batch->deadline;
    if ((full || timed_out) && pending_.front() == batch && running_ < options_.max_parallelism) {
      break;
    }
    if (!blocking.has_value()) {
      // Told without the Batcher's lock: the server may start a thread, which may call.
      lock.unlock();
      blocking.emplace();
      lock.lock();
      continue;
    }
    if (!full && !timed_out) {
      batch->leader_wakeup.wait_until(lock, batch->deadline);
    } else {
      batch->leader_wakeup.wait(lock);
    }
  }
  // Started: no call can join it any more (it left pending_), so `calls` is frozen.
  blocking.reset();
  pending_.pop_front();
  ++running_;
  // The next batch may be ready and a slot may still be free (max_parallelism > 1).
  if (!pending_.empty()) pending_.front()->leader_wakeup.notify_one();
  lock.unlock();

  absl::Status status = Run(*batch);
  batch->status = status;
  batch->done.store(true, std::memory_order_release);
  batch->done.notify_all();

  lock.lock();
  --running_;
  if (!pending_.empty()) pending_.front()->leader_wakeup.notify_one();
  return status;
}

absl::Status Batcher::Run(PendingBatch& batch) {
  const std::size_t num_calls = batch.calls.size();
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
