#include "src/coordinator/metrics_wire.h"

#include <optional>

namespace lp::internal {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricType;

std::optional<metrics::MetricFamily::Type> WireType(MetricType type) {
  switch (type) {
    case MetricType::Counter:
      return metrics::MetricFamily::COUNTER;
    case MetricType::Gauge:
      return metrics::MetricFamily::GAUGE;
    case MetricType::Untyped:
      return metrics::MetricFamily::UNTYPED;
    case MetricType::Histogram:
      return metrics::MetricFamily::HISTOGRAM;
    case MetricType::Summary:
      return std::nullopt;  // lp records none; quantiles would not merge anyway
  }
  return std::nullopt;
}

std::optional<MetricType> FamilyType(int type) {
  switch (type) {
    case metrics::MetricFamily::COUNTER:
      return MetricType::Counter;
    case metrics::MetricFamily::GAUGE:
      return MetricType::Gauge;
    case metrics::MetricFamily::UNTYPED:
      return MetricType::Untyped;
    case metrics::MetricFamily::HISTOGRAM:
      return MetricType::Histogram;
    default:
      return std::nullopt;
  }
}

// The one value of a counter, gauge or untyped sample.
double& ValueOf(MetricType type, ClientMetric& metric) {
  if (type == MetricType::Counter) return metric.counter.value;
  if (type == MetricType::Gauge) return metric.gauge.value;
  return metric.untyped.value;
}

}  // namespace

void ToProto(const std::vector<prometheus::MetricFamily>& families,
             google::protobuf::RepeatedPtrField<metrics::MetricFamily>* out) {
  for (const prometheus::MetricFamily& family : families) {
    std::optional<metrics::MetricFamily::Type> type = WireType(family.type);
    if (!type.has_value()) continue;
    metrics::MetricFamily* wire = out->Add();
    wire->set_name(family.name);
    wire->set_help(family.help);
    wire->set_type(*type);
    for (ClientMetric metric : family.metric) {  // a copy: ValueOf wants it mutable
      metrics::Metric* sample = wire->add_metric();
      for (const ClientMetric::Label& label : metric.label) {
        metrics::Label* pair = sample->add_label();
        pair->set_name(label.name);
        pair->set_value(label.value);
      }
      if (family.type == MetricType::Histogram) {
        sample->set_sample_count(metric.histogram.sample_count);
        sample->set_sample_sum(metric.histogram.sample_sum);
        for (const ClientMetric::Bucket& bucket : metric.histogram.bucket) {
          metrics::Bucket* out_bucket = sample->add_bucket();
          out_bucket->set_cumulative_count(bucket.cumulative_count);
          out_bucket->set_upper_bound(bucket.upper_bound);
        }
      } else {
        sample->set_value(ValueOf(family.type, metric));
      }
    }
  }
}

std::vector<prometheus::MetricFamily> FromProto(
    const google::protobuf::RepeatedPtrField<metrics::MetricFamily>& families) {
  std::vector<prometheus::MetricFamily> result;
  for (const metrics::MetricFamily& wire : families) {
    std::optional<MetricType> type = FamilyType(wire.type());
    if (!type.has_value()) continue;
    prometheus::MetricFamily& family = result.emplace_back();
    family.name = wire.name();
    family.help = wire.help();
    family.type = *type;
    for (const metrics::Metric& sample : wire.metric()) {
      ClientMetric& metric = family.metric.emplace_back();
      for (const metrics::Label& label : sample.label()) {
        metric.label.push_back({label.name(), label.value()});
      }
      if (*type == MetricType::Histogram) {
        metric.histogram.sample_count = sample.sample_count();
        metric.histogram.sample_sum = sample.sample_sum();
        for (const metrics::Bucket& bucket : sample.bucket()) {
          metric.histogram.bucket.push_back({bucket.cumulative_count(), bucket.upper_bound()});
        }
      } else {
        ValueOf(*type, metric) = sample.value();
      }
    }
  }
  return result;
}

}  // namespace lp::internal
