#include "src/metrics/merge.h"

#include <algorithm>
#include <map>
#include <utility>

#include "prometheus/text_serializer.h"

namespace lp::metrics {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

std::vector<ClientMetric::Label> SortedLabels(std::vector<ClientMetric::Label> labels) {
  std::sort(labels.begin(), labels.end());
  return labels;
}

bool SameBounds(const ClientMetric::Histogram& a, const ClientMetric::Histogram& b) {
  return std::equal(a.bucket.begin(), a.bucket.end(), b.bucket.begin(), b.bucket.end(),
                    [](const ClientMetric::Bucket& x, const ClientMetric::Bucket& y) {
                      return x.upper_bound == y.upper_bound;
                    });
}

// Adds `from` into `into`, two samples of one family with the same labels.
void AddSample(MetricType type, const ClientMetric& from, ClientMetric& into) {
  switch (type) {
    case MetricType::Counter:
      into.counter.value += from.counter.value;
      break;
    case MetricType::Gauge:
      into.gauge.value += from.gauge.value;
      break;
    case MetricType::Untyped:
      into.untyped.value += from.untyped.value;
      break;
    case MetricType::Histogram:
      if (!SameBounds(from.histogram, into.histogram)) return;
      into.histogram.sample_count += from.histogram.sample_count;
      into.histogram.sample_sum += from.histogram.sample_sum;
      for (std::size_t i = 0; i < into.histogram.bucket.size(); ++i) {
        into.histogram.bucket[i].cumulative_count += from.histogram.bucket[i].cumulative_count;
      }
      break;
    case MetricType::Summary:
      // Quantiles do not add up; lp records none. Keep the first.
      break;
  }
}

// A family being merged: its samples by their sorted labels.
struct MergedFamily {
  MetricFamily family;  // name, help and type; `metric` filled at the end
  std::map<std::vector<ClientMetric::Label>, ClientMetric> samples;
};

}  // namespace

std::vector<MetricFamily> MergeMetricFamilies(
    const std::vector<std::vector<MetricFamily>>& sources) {
  std::map<std::string, MergedFamily> merged;  // sorted by name
  for (const std::vector<MetricFamily>& source : sources) {
    for (const MetricFamily& family : source) {
      auto [it, inserted] = merged.try_emplace(family.name);
      MergedFamily& into = it->second;
      if (inserted) {
        into.family.name = family.name;
        into.family.help = family.help;
        into.family.type = family.type;
      } else if (into.family.type != family.type) {
        continue;
      }
      for (const ClientMetric& sample : family.metric) {
        auto [at, fresh] = into.samples.try_emplace(SortedLabels(sample.label), sample);
        if (!fresh) AddSample(family.type, sample, at->second);
      }
    }
  }
  std::vector<MetricFamily> result;
  result.reserve(merged.size());
  for (auto& [name, entry] : merged) {
    for (auto& [labels, sample] : entry.samples) entry.family.metric.push_back(std::move(sample));
    result.push_back(std::move(entry.family));
  }
  return result;
}

std::string SerializeMetricFamilies(const std::vector<MetricFamily>& families) {
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace lp::metrics
