// Batcher: the engine of batched Courier methods (see lp/batch.h), free of types.
//
// Calls join the batch being collected, in arrival order, and wait there without a thread:
// Submit() returns at once, and each call's `done` runs once its batch has run. A batch is
// *ready* once batch_size calls joined it or `timeout` has passed since its first call
// arrived. A ready batch runs when fewer than max_parallelism batches of this Batcher are
// running and every older batch has started (batches start in the order they were
// opened). It runs on the thread that found it ready: the caller whose call filled it, the
// thread of a batch that just ended, or — for a batch that timed out — the Batcher's one
// timer thread. A batch that is ready but waiting for a free slot keeps accepting calls
// until it is full.
//
// The typed layer (lp/internal/batched_dispatch.h) derives its per-call record from
// BatchedCall: the arguments go in before Submit, the result comes out in `done`, and the
// BatchFunction moves one to the other for a whole batch.
//
// Thread safety: every public method may be called from any number of threads at once. The
// BatchFunction runs without the Batcher's lock held, and up to max_parallelism instances
// of it may run at the same time.
#ifndef LP_INTERNAL_BATCHER_H_
#define LP_INTERNAL_BATCHER_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "lp/batch.h"

namespace lp::internal {

// One waiting call. Empty: the typed layer derives from it (and static_casts back).
struct BatchedCall {};

// Why `options` cannot work for the batched method `method` on a server that takes at most
// `max_calls` calls at once (CourierServerOptions::max_concurrent_handlers; 0: unlimited),
// or OK. The rules:
//   batch_size >= 1, max_parallelism >= 1, 0 <= timeout < InfiniteDuration;
//   max_calls == 0 or >= batch_size: a batch's calls are all taken on until it runs, so a
//   server that takes fewer could never fill one (see the message for the details).
absl::Status CheckBatchingOptions(const std::string& method, const BatchingOptions& options,
                                  int max_calls = 0);

class Batcher {
 public:
  // Runs one batch. `calls` are the calls of the batch in arrival order; the first
  // `num_calls` are distinct, the rest (only with pad_batch, up to batch_size) repeat
  // calls[0]. The function gives each of the first num_calls calls its result (through
  // its record), ignores the padding's, and returns OK — or returns an error, or throws,
  // and every call of the batch fails with that error.
  using BatchFunction =
      std::function<absl::Status(const std::vector<BatchedCall*>& calls, std::size_t num_calls)>;

  // Tells one call the status of its batch: OK once the BatchFunction gave it its result.
  using Done = absl::AnyInvocable<void(absl::Status) &&>;

  // `options` must pass CheckBatchingOptions (checked again here: std::invalid_argument).
  // With a `method` name, the size of every batch is recorded in the process's metrics
  // (lp_courier_batch_size) under that method and the node whose thread builds the
  // batcher.
  Batcher(BatchingOptions options, BatchFunction run, const std::string& method = {});
  // Runs the batches still waiting, however few calls they have, on the timer thread, and
  // joins it. No Submit may be running or follow.
  ~Batcher();
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Adds `call` to the batch being collected. `done` gets what the batch returned (an
  // exception thrown by the BatchFunction: UNKNOWN with its what()), on the thread that ran
  // the batch: this one, before Submit returns, if its call made the batch ready and a slot
  // was free; else another caller's, or the timer thread. `call` must stay valid until
  // `done` is called. Never waits for other calls.
  void Submit(BatchedCall* call, Done done);

  // Adds `call` as Submit does, but runs no batch: true if a batch is now ready and a slot
  // is free, and the caller must see that it runs: RunReady() on a thread that may run
  // the BatchFunction, or RunReadyOnTimerThread() if it has none.
  bool Enqueue(BatchedCall* call, Done done);
  // Runs the ready batches on this thread, oldest first, while a slot is free, and tells
  // their calls.
  void RunReady();
  // Has the timer thread run the ready batches (soon, not before this returns).
  void RunReadyOnTimerThread();

  // Submit, then waits for the batch (in an internal::BlockingRegion). For callers that
  // have a thread to spend: tests, the in-process benchmark.
  absl::Status Call(BatchedCall* call);

  const BatchingOptions& options() const { return options_; }

 private:
  struct PendingBatch;

  // Enqueue's work, with mu_ held.
  bool EnqueueLocked(BatchedCall* call, Done done);
  // Whether the oldest pending batch may start now, but for a free slot. Requires mu_.
  bool OldestIsReady() const;
  // Runs ready batches, oldest first, while a slot is free: releases `lock` while each one
  // runs and its callers are told.
  void RunReadyBatches(std::unique_lock<std::mutex>& lock);
  // The timer thread: runs batches that become ready by their timeout.
  void RunTimer();
  // Runs `batch` (its calls frozen) on this thread; the batch's status.
  absl::Status Run(PendingBatch& batch);

  const BatchingOptions options_;
  const BatchFunction run_;
  // Records a batch's size in the metrics; empty without a method name.
  std::function<void(std::size_t calls)> record_size_;

  std::mutex mu_;
  // The oldest pending batch changed, a slot freed or stopping_ was set: the timer thread
  // looks again.
  std::condition_variable timer_wakeup_;
  // Batches not started yet, oldest first. Only the last one may still accept calls
  // (every other one is full). Guarded by mu_.
  std::deque<std::unique_ptr<PendingBatch>> pending_;
  int running_ = 0;        // batches running now; guarded by mu_
  bool stopping_ = false;  // guarded by mu_: the destructor runs; every batch is ready
  std::thread timer_;      // started by the first Enqueue; guarded by mu_
};

}  // namespace lp::internal

#endif  // LP_INTERNAL_BATCHER_H_
