// CourierBytesSent: what this process's Courier calls sent through gRPC, by its own
// metrics (lp_courier_made_sent_bytes_total), for tests that check which way bytes went.
#ifndef LP_TESTS_SUPPORT_COURIER_BYTES_SENT_H_
#define LP_TESTS_SUPPORT_COURIER_BYTES_SENT_H_

#include <string_view>

#include "src/metrics/courier_metrics.h"

namespace lp::testing {

// The bytes sent by the calls whose metric label `label` ("node", "target", "method") has
// the value `value`.
inline double CourierBytesSent(std::string_view label, std::string_view value) {
  double sent = 0;
  for (const prometheus::MetricFamily& family : metrics::CourierMetrics::Get().Collect()) {
    if (family.name != "lp_courier_made_sent_bytes_total") continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      for (const prometheus::ClientMetric::Label& pair : metric.label) {
        if (pair.name == label && pair.value == value) sent += metric.counter.value;
      }
    }
  }
  return sent;
}

}  // namespace lp::testing

#endif  // LP_TESTS_SUPPORT_COURIER_BYTES_SENT_H_
