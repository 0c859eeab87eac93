// CourierBytesSent, CourierBytesReceived: what this process's Courier calls sent and
// received through gRPC, by its own metrics (lp_courier_made_sent_bytes_total,
// lp_courier_made_received_bytes_total), for tests that check which way bytes went.
#ifndef LP_TESTS_SUPPORT_COURIER_BYTES_SENT_H_
#define LP_TESTS_SUPPORT_COURIER_BYTES_SENT_H_

#include <string_view>

#include "src/metrics/courier_metrics.h"

namespace lp::testing {

// The sum of the counter `family` over the calls whose metric label `label` ("node",
// "target", "method") has the value `value`.
inline double CourierBytesCounted(std::string_view family_name, std::string_view label,
                                  std::string_view value) {
  double sum = 0;
  for (const prometheus::MetricFamily& family : metrics::CourierMetrics::Get().Collect()) {
    if (family.name != family_name) continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      for (const prometheus::ClientMetric::Label& pair : metric.label) {
        if (pair.name == label && pair.value == value) sum += metric.counter.value;
      }
    }
  }
  return sum;
}

// The bytes sent by those calls in their requests.
inline double CourierBytesSent(std::string_view label, std::string_view value) {
  return CourierBytesCounted("lp_courier_made_sent_bytes_total", label, value);
}

// The bytes those calls received in their replies.
inline double CourierBytesReceived(std::string_view label, std::string_view value) {
  return CourierBytesCounted("lp_courier_made_received_bytes_total", label, value);
}

}  // namespace lp::testing

#endif  // LP_TESTS_SUPPORT_COURIER_BYTES_SENT_H_
