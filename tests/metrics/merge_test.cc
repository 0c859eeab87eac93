// MergeMetricFamilies: one scrape out of several processes' families.

#include "src/metrics/merge.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "tests/metrics/exposition.h"

namespace lp::metrics {
namespace {

using ::lp::testing::LinesStartingWith;
using ::lp::testing::Value;

// One process's families: a counter of calls served by `node` and a latency histogram.
std::vector<prometheus::MetricFamily> ProcessFamilies(const std::string& node, double calls,
                                                      double latency) {
  prometheus::Registry registry;
  prometheus::BuildCounter().Name("calls_total").Help("Calls").Register(registry)
      .Add({{"node", node}}).Increment(calls);
  prometheus::BuildHistogram().Name("latency_seconds").Help("Latency").Register(registry)
      .Add({{"node", node}}, prometheus::Histogram::BucketBoundaries{0.1, 1.0})
      .Observe(latency);
  return registry.Collect();
}

TEST(MergeTest, EachFamilyHasItsHelpAndTypeOnceAndTheSamplesOfEverySource) {
  const std::string text = SerializeMetricFamilies(MergeMetricFamilies(
      {ProcessFamilies("a/0", 3, 0.05), ProcessFamilies("b/0", 5, 0.5)}));
  EXPECT_EQ(LinesStartingWith(text, "# HELP calls_total "), 1) << text;
  EXPECT_EQ(LinesStartingWith(text, "# TYPE calls_total counter"), 1) << text;
  EXPECT_EQ(LinesStartingWith(text, "# TYPE latency_seconds histogram"), 1) << text;
  EXPECT_EQ(Value(text, "calls_total", {{"node", "a/0"}}), 3) << text;
  EXPECT_EQ(Value(text, "calls_total", {{"node", "b/0"}}), 5) << text;
  EXPECT_EQ(Value(text, "latency_seconds_count", {{"node", "a/0"}}), 1) << text;
  EXPECT_EQ(Value(text, "latency_seconds_bucket", {{"node", "b/0"}, {"le", "0.1"}}), 0) << text;
  EXPECT_EQ(Value(text, "latency_seconds_bucket", {{"node", "b/0"}, {"le", "1"}}), 1) << text;
}

TEST(MergeTest, SamplesWithTheSameLabelsAddUp) {
  const std::string text = SerializeMetricFamilies(MergeMetricFamilies(
      {ProcessFamilies("main", 3, 0.05), ProcessFamilies("main", 5, 0.5)}));
  EXPECT_EQ(LinesStartingWith(text, "calls_total{"), 1) << text;
  EXPECT_EQ(Value(text, "calls_total", {{"node", "main"}}), 8) << text;
  EXPECT_EQ(Value(text, "latency_seconds_count", {{"node", "main"}}), 2) << text;
  EXPECT_EQ(Value(text, "latency_seconds_bucket", {{"node", "main"}, {"le", "0.1"}}), 1) << text;
  EXPECT_EQ(Value(text, "latency_seconds_bucket", {{"node", "main"}, {"le", "1"}}), 2) << text;
  EXPECT_DOUBLE_EQ(Value(text, "latency_seconds_sum", {{"node", "main"}}), 0.55) << text;
}

TEST(MergeTest, ExtraFamiliesJoinTheProcesses) {
  prometheus::MetricFamily state;
  state.name = "lp_node_state";
  state.help = "State";
  state.type = prometheus::MetricType::Gauge;
  prometheus::ClientMetric& running = state.metric.emplace_back();
  running.label = {{"node", "a/0"}, {"state", "running"}};
  running.gauge.value = 1;
  const std::string text = SerializeMetricFamilies(
      MergeMetricFamilies({ProcessFamilies("a/0", 1, 0.05), {state}}));
  EXPECT_EQ(Value(text, "lp_node_state", {{"node", "a/0"}, {"state", "running"}}), 1) << text;
  EXPECT_EQ(Value(text, "calls_total", {{"node", "a/0"}}), 1) << text;
}

TEST(MergeTest, AFamilyOfAnotherTypeUnderTheSameNameIsLeftOut) {
  prometheus::MetricFamily gauge;
  gauge.name = "calls_total";
  gauge.type = prometheus::MetricType::Gauge;
  gauge.metric.emplace_back().gauge.value = 100;
  const std::string text =
      SerializeMetricFamilies(MergeMetricFamilies({ProcessFamilies("a/0", 1, 0.05), {gauge}}));
  EXPECT_EQ(LinesStartingWith(text, "# TYPE calls_total "), 1) << text;
  EXPECT_EQ(Value(text, "calls_total", {}), 1) << text;
}

}  // namespace
}  // namespace lp::metrics
