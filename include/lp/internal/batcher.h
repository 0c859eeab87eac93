// Batcher: the engine of batched Courier methods (see lp/batch.h), free of types.
//
// Each call of a batched method arrives on a server handler thread, which hands its call
// to Batcher::Call and blocks there. Calls join the batch being collected, in arrival
// order; a batch is *ready* once batch_size calls joined it or `timeout` has passed since
// its first call arrived. A ready batch runs when fewer than max_parallelism batches of
// this Batcher are running and every older batch has started (batches start in the order
// they were opened). It runs on the thread of its first caller — its leader — so batching
// creates no thread; the other callers sleep until the batch is done. A batch that is
// ready but waiting for a free slot keeps accepting calls until it is full.
//
// The typed layer (lp/internal/batched_dispatch.h) derives its per-call record from
// BatchedCall: the arguments go in before Call, the result comes out after it, and the
// BatchFunction moves one to the other for a whole batch.
//
// Thread safety: Call may be called from any number of threads at once. The BatchFunction
// runs on one caller's thread, without the Batcher's lock held, and up to max_parallelism
// instances of it may run at the same time.
#ifndef LP_INTERNAL_BATCHER_H_
#define LP_INTERNAL_BATCHER_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "lp/batch.h"

namespace lp::internal {

// One waiting call. Empty: the typed layer derives from it (and static_casts back).
struct BatchedCall {};

// Why `options` cannot work for the batched method `method` on a server that runs
// `concurrent_handlers` handlers at once (lp::ConcurrentHandlers; 0: unlimited), or OK.
// The rules:
//   batch_size >= 1, max_parallelism >= 1, 0 <= timeout < InfiniteDuration;
//   concurrent_handlers == 0 or >= batch_size: the calls of a batch all block a
//   handler thread until the batch runs, so a server with fewer threads than batch_size
//   can never fill a batch (see the message for the details).
absl::Status CheckBatchingOptions(const std::string& method, const BatchingOptions& options,
                                  int concurrent_handlers = 0);

class Batcher {
 public:
  // Runs one batch. `calls` are the calls of the batch in arrival order; the first
  // `num_calls` are distinct, the rest (only with pad_batch, up to batch_size) repeat
  // calls[0]. The function gives each of the first num_calls calls its result (through
  // its record), ignores the padding's, and returns OK — or returns an error, or throws,
  // and every call of the batch fails with that error.
  using BatchFunction =
      std::function<absl::Status(const std::vector<BatchedCall*>& calls, std::size_t num_calls)>;

  // `options` must pass CheckBatchingOptions (checked again here: std::invalid_argument).
  Batcher(BatchingOptions options, BatchFunction run);
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Adds `call` to the batch being collected and blocks until that batch has run
  // (possibly on this thread). Returns what the batch returned; an exception thrown by
  // the BatchFunction is returned as UNKNOWN with its what(). `call` must stay valid until
  // Call returns.
  absl::Status Call(BatchedCall* call);

  const BatchingOptions& options() const { return options_; }

 private:
  struct PendingBatch;

  // Runs `batch` (its calls frozen) on this thread; the batch's status.
  absl::Status Run(PendingBatch& batch);

  const BatchingOptions options_;
  const BatchFunction run_;

  std::mutex mu_;
  // Batches not started yet, oldest first. Only the last one may still accept calls
  // (every other one is full). Guarded by mu_.
  std::deque<std::shared_ptr<PendingBatch>> pending_;
  int running_ = 0;  // batches running now; guarded by mu_
};

}  // namespace lp::internal

#endif  // LP_INTERNAL_BATCHER_H_
