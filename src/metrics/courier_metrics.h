#ifndef LP_SRC_METRICS_COURIER_METRICS_H_
#define LP_SRC_METRICS_COURIER_METRICS_H_

// The process-wide registry of Courier's metrics (docs/observability.md, "Metrics", lists
// them). Servers, channels and batchers resolve their handles here once per kind of call
// and keep them; a scrape collects them all with CollectProcessMetrics().

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"
#include "src/metrics/call_metrics.h"

namespace lp::metrics {

// Seconds, from 50 µs (an in-process call on an idle machine) to 10 s.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets();
// Calls per batch: powers of two up to 4096.
const prometheus::Histogram::BucketBoundaries& BatchSizeBuckets();

// Thread safety: every method may be called from any thread. The handles it returns live
// as long as the process (the registry is never destroyed: threads may still record while
// the process exits).
class CourierMetrics {
 public:
  // The process's registry.
  static CourierMetrics& Get();

  // Calls `node`'s server served of `method`.
  CallMetrics& Served(const std::string& node, const std::string& method);
  // Calls `node` made to `target`'s `method`.
  CallMetrics& Made(const std::string& node, const std::string& target, const std::string& method);
  // The sizes of the batches `node`'s batched `method` ran.
  prometheus::Histogram& BatchSize(const std::string& node, const std::string& method);

  // Every metric of the process, now.
  std::vector<prometheus::MetricFamily> Collect() const { return registry_.Collect(); }

 private:
  CourierMetrics();

  using Key = std::vector<std::string>;  // the label values, in a fixed order
  // The CallMetrics of `key` in `cache`, made with `labels` on first use. Requires mu_.
  CallMetrics& Resolve(absl::flat_hash_map<Key, std::unique_ptr<CallMetrics>>& cache,
                       const CallFamilies& families, Key key, prometheus::Labels labels);

  prometheus::Registry registry_;
  CallFamilies served_;
  CallFamilies made_;
  prometheus::Family<prometheus::Histogram>* batch_size_;

  std::mutex mu_;
  // Guarded by mu_: one CallMetrics per kind of call, so that two servers of the same
  // node (a restarted one) share theirs.
  absl::flat_hash_map<Key, std::unique_ptr<CallMetrics>> served_by_key_;
  absl::flat_hash_map<Key, std::unique_ptr<CallMetrics>> made_by_key_;
};

// CourierMetrics::Get().Collect(): what this process reports when the program's metrics
// are collected.
std::vector<prometheus::MetricFamily> CollectProcessMetrics();

}  // namespace lp::metrics

#endif  // LP_SRC_METRICS_COURIER_METRICS_H_
