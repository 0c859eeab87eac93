// The coordinator collects its workers' metrics on demand: every worker with an open
// WatchStop stream is asked, the reports come back through ReportMetrics, and a worker
// that does not answer holds the collection up no longer than its timeout.

#include <atomic>
#include <string>

#include "gtest/gtest.h"
#include "lp/event.h"
#include "src/metrics/courier_metrics.h"
#include "tests/coordinator/coordinator_fixture.h"

namespace lp::internal {
namespace {

// Whether `report` holds the calls served by `node`'s Echo.
bool HasServedCalls(const MetricsCollections::Report& report, const std::string& node) {
  for (const prometheus::MetricFamily& family : report) {
    if (family.name != "lp_courier_calls_served_total") continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      for (const prometheus::ClientMetric::Label& label : metric.label) {
        if (label.name == "node" && label.value == node && metric.counter.value > 0) return true;
      }
    }
  }
  return false;
}

class MetricsCollectionTest : public CoordinatorTest {};

TEST_F(MetricsCollectionTest, EveryWatchingWorkerReportsItsProcessMetrics) {
  // What this process (standing in for both workers) has counted.
  metrics::CourierMetrics::Get().Served("collected/0", "Echo").Record(absl::StatusCode::kOk,
                                                                       0.001, 10, 20);
  StartServer(Workers(2));
  auto first = NewClient();
  auto second = NewClient();
  Event started_first, started_second;
  ASSERT_TRUE(first->WatchStop({"worker", 0}, nullptr, nullptr, nullptr,
                               [&] { started_first.Notify(); }).ok());
  ASSERT_TRUE(second->WatchStop({"worker", 1}, nullptr, nullptr, nullptr,
                                [&] { started_second.Notify(); }).ok());
  ASSERT_TRUE(started_first.WaitFor(kPatience));
  ASSERT_TRUE(started_second.WaitFor(kPatience));

  WorkerMetrics collected = server_->CollectWorkerMetrics(kPatience);
  EXPECT_EQ(collected.asked, 2);
  ASSERT_EQ(collected.reports.size(), 2u);
  for (const auto& report : collected.reports) EXPECT_TRUE(HasServedCalls(report, "collected/0"));
  server_->RequestStop("test over");
}

TEST_F(MetricsCollectionTest, AWorkerThatDoesNotAnswerHoldsTheCollectionOnlyUntilItsTimeout) {
  StartServer(Workers(2));
  auto answering = NewClient();
  auto stuck = NewClient();
  Event started, release;
  ASSERT_TRUE(answering->WatchStop({"worker", 0}, nullptr, nullptr, nullptr,
                                   [&] { started.Notify(); }).ok());
  // This worker's watch thread is busy (in its start callback) until the test ends: it
  // hears the request but cannot answer.
  ASSERT_TRUE(stuck->WatchStop({"worker", 1}, nullptr, nullptr, nullptr,
                               [&] { release.WaitFor(kPatience); }).ok());
  ASSERT_TRUE(started.WaitFor(kPatience));
  ASSERT_TRUE(server_->stop().AwaitWatchers(2, absl::Now() + kPatience));

  const absl::Duration timeout = absl::Seconds(1);
  const absl::Time begin = absl::Now();
  WorkerMetrics collected = server_->CollectWorkerMetrics(timeout);
  const absl::Duration took = absl::Now() - begin;
  EXPECT_EQ(collected.asked, 2);
  EXPECT_EQ(collected.reports.size(), 1u);
  EXPECT_GE(took, timeout);        // it waited for the stuck worker...
  EXPECT_LT(took, kPatience);      // ...but not for ever (the stuck one never answers)
  release.Notify();
  server_->RequestStop("test over");
}

TEST_F(MetricsCollectionTest, WithoutWorkersACollectionAsksNobody) {
  StartServer(Workers(1));
  WorkerMetrics collected = server_->CollectWorkerMetrics(kPatience);
  EXPECT_EQ(collected.asked, 0);
  EXPECT_TRUE(collected.reports.empty());
}

}  // namespace
}  // namespace lp::internal
