#ifndef LP_SRC_COORDINATOR_METRICS_COLLECTION_H_
#define LP_SRC_COORDINATOR_METRICS_COLLECTION_H_

// The coordinator's side of collecting a program's metrics on demand: each collection has
// a number, which the request to the workers carries and their reports come back with;
// reports are gathered until every asked worker answered or the deadline passed.

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "prometheus/metric_family.h"

namespace lp::internal {

// Thread safety: every method may be called from any thread.
class MetricsCollections {
 public:
  using Report = std::vector<prometheus::MetricFamily>;  // one process's families

  // Opens a collection; its number, never 0.
  std::uint64_t Open();
  // A worker's report for `collection`: kept if the collection is open, else dropped.
  void Add(std::uint64_t collection, Report report);
  // Waits until `expected` reports of `collection` came or `deadline` passed, closes it
  // and returns the reports that came.
  std::vector<Report> Close(std::uint64_t collection, int expected, absl::Time deadline);

 private:
  std::mutex mu_;
  std::condition_variable added_;  // notified under mu_ when a report is kept
  // Guarded by mu_:
  std::uint64_t next_ = 1;
  absl::flat_hash_map<std::uint64_t, std::vector<Report>> open_;
};

}  // namespace lp::internal

#endif  // LP_SRC_COORDINATOR_METRICS_COLLECTION_H_
