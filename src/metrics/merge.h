#ifndef LP_SRC_METRICS_MERGE_H_
#define LP_SRC_METRICS_MERGE_H_

// One scrape out of several processes' metrics. Concatenating their text expositions
// would repeat each family's HELP and TYPE lines, which Prometheus rejects; merging the
// families and serializing once does not.

#include <string>
#include <vector>

#include "prometheus/metric_family.h"

namespace lp::metrics {

// Joins `sources` (each one process's families, or extra families such as node states)
// into one list with each family once, sorted by name. A family's HELP and TYPE come from
// its first source; a later source's family of the same name but another type is left
// out. Samples with the same labels in several sources add up: counters, gauges and
// untyped values, and histograms' counts, sums and buckets (same bounds; a histogram with
// other bounds is left out). Such samples arise when two processes both record under
// node="main" to the same target.
std::vector<prometheus::MetricFamily> MergeMetricFamilies(
    const std::vector<std::vector<prometheus::MetricFamily>>& sources);

// `families` in Prometheus's text exposition format (version 0.0.4).
std::string SerializeMetricFamilies(const std::vector<prometheus::MetricFamily>& families);

}  // namespace lp::metrics

#endif  // LP_SRC_METRICS_MERGE_H_
