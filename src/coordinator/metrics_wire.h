#ifndef LP_SRC_COORDINATOR_METRICS_WIRE_H_
#define LP_SRC_COORDINATOR_METRICS_WIRE_H_

// Prometheus metric families to and from their wire form (proto/lp/metrics.proto), in
// which workers report them to the coordinator.

#include <vector>

#include "google/protobuf/repeated_ptr_field.h"
#include "lp/metrics.pb.h"
#include "prometheus/metric_family.h"

namespace lp::internal {

void ToProto(const std::vector<prometheus::MetricFamily>& families,
             google::protobuf::RepeatedPtrField<metrics::MetricFamily>* out);
// Families of a type prometheus-cpp does not know are left out.
std::vector<prometheus::MetricFamily> FromProto(
    const google::protobuf::RepeatedPtrField<metrics::MetricFamily>& families);

}  // namespace lp::internal

#endif  // LP_SRC_COORDINATOR_METRICS_WIRE_H_
