#include "src/metrics/call_metrics.h"

#include <string>
#include <utility>

#include "src/metrics/courier_metrics.h"

namespace lp::metrics {

CallMetrics::CallMetrics(const CallFamilies& families, prometheus::Labels labels)
    : calls_(families.calls),
      labels_(std::move(labels)),
      latency_(families.latency->Add(labels_, LatencyBuckets())),
      bytes_received_(families.bytes_received->Add(labels_)),
      bytes_sent_(families.bytes_sent->Add(labels_)) {}

prometheus::Counter& CallMetrics::CallsWith(absl::StatusCode code) {
  const int raw = static_cast<int>(code);
  const int index = raw >= 0 && raw < kCodes ? raw : kCodes;
  if (prometheus::Counter* counter = by_code_[index].load(std::memory_order_acquire)) {
    return *counter;
  }
  // Family::Add returns the same counter for the same labels, so two threads resolving
  // the same code at once store the same pointer.
  prometheus::Labels labels = labels_;
  labels["code"] = index == kCodes ? std::string("UNKNOWN_CODE") : absl::StatusCodeToString(code);
  prometheus::Counter& counter = calls_->Add(labels);
  by_code_[index].store(&counter, std::memory_order_release);
  return counter;
}

void CallMetrics::Record(absl::StatusCode code, double seconds, std::size_t received,
                         std::size_t sent) {
  CallsWith(code).Increment();
  latency_.Observe(seconds);
  bytes_received_.Increment(static_cast<double>(received));
  bytes_sent_.Increment(static_cast<double>(sent));
}

}  // namespace lp::metrics
