#include "src/metrics/courier_metrics.h"

#include <utility>

#include "prometheus/counter.h"

namespace lp::metrics {

const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3,
      50e-3, 100e-3, 250e-3, 500e-3, 1.0,  2.5,    5.0,  10.0};
  return *buckets;
}

const prometheus::Histogram::BucketBoundaries& BatchSizeBuckets() {
  static const auto* buckets = [] {
    auto* bounds = new prometheus::Histogram::BucketBoundaries;
    for (double size = 1; size <= 4096; size *= 2) bounds->push_back(size);
    return bounds;
  }();
  return *buckets;
}

CourierMetrics& CourierMetrics::Get() {
  static CourierMetrics* metrics = new CourierMetrics;  // never destroyed: see the class
  return *metrics;
}

CourierMetrics::CourierMetrics() {
  auto counter = [this](const char* name, const char* help) {
    return &prometheus::BuildCounter().Name(name).Help(help).Register(registry_);
  };
  auto histogram = [this](const char* name, const char* help) {
    return &prometheus::BuildHistogram().Name(name).Help(help).Register(registry_);
  };
  served_ = {
      .calls = counter("lp_courier_calls_served_total",
                       "Courier calls a node's server finished, by method and status code"),
      .latency = histogram("lp_courier_served_latency_seconds",
                           "Time from a call's arrival at a node's server to its reply"),
      .bytes_received = counter("lp_courier_served_received_bytes_total",
                                "Request bytes a node's server received"),
      .bytes_sent = counter("lp_courier_served_sent_bytes_total",
                            "Reply bytes a node's server sent"),
  };
  made_ = {
      .calls = counter("lp_courier_calls_made_total",
                       "Courier calls a node made that ended, by target, method and status code"),
      .latency = histogram("lp_courier_made_latency_seconds",
                           "Time from sending a call to its reply, as the caller saw it"),
      .bytes_received = counter("lp_courier_made_received_bytes_total",
                                "Reply bytes a node received for the calls it made"),
      .bytes_sent = counter("lp_courier_made_sent_bytes_total",
                            "Request bytes a node sent for the calls it made"),
  };
  batch_size_ = histogram("lp_courier_batch_size", "Calls per batch a batched method ran");
}

CallMetrics& CourierMetrics::Resolve(absl::flat_hash_map<Key, std::unique_ptr<CallMetrics>>& cache,
                                     const CallFamilies& families, Key key,
                                     prometheus::Labels labels) {
  std::unique_ptr<CallMetrics>& slot = cache[std::move(key)];
  if (slot == nullptr) slot = std::make_unique<CallMetrics>(families, std::move(labels));
  return *slot;
}

CallMetrics& CourierMetrics::Served(const std::string& node, const std::string& method) {
  std::lock_guard lock(mu_);
  return Resolve(served_by_key_, served_, {node, method}, {{"node", node}, {"method", method}});
}

CallMetrics& CourierMetrics::Made(const std::string& node, const std::string& target,
                                  const std::string& method) {
  std::lock_guard lock(mu_);
  return Resolve(made_by_key_, made_, {node, target, method},
                 {{"node", node}, {"target", target}, {"method", method}});
}

prometheus::Histogram& CourierMetrics::BatchSize(const std::string& node,
                                                 const std::string& method) {
  // Family::Add is idempotent for equal labels and has its own lock.
  return batch_size_->Add({{"node", node}, {"method", method}}, BatchSizeBuckets());
}

std::vector<prometheus::MetricFamily> CollectProcessMetrics() {
  return CourierMetrics::Get().Collect();
}

}  // namespace lp::metrics
