#include "src/launch/program_metrics.h"

#include <mutex>
#include <utility>

#include "absl/status/status.h"
#include "src/metrics/courier_metrics.h"
#include "src/metrics/merge.h"

namespace lp::internal {
namespace {

// std::mutex has a constexpr constructor: usable during static initialization and exit.
constinit std::mutex g_latest_mu;
// Guarded by g_latest_mu. Leaked: read while the process exits.
std::weak_ptr<CoordinatorServer>* g_latest = nullptr;

prometheus::MetricFamily Gauge(const char* name, const char* help, double value) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = prometheus::MetricType::Gauge;
  family.metric.emplace_back().gauge.value = value;
  return family;
}

}  // namespace

absl::StatusOr<std::string> CollectProgramMetrics(CoordinatorServer* coordinator,
                                                  absl::Duration timeout,
                                                  std::vector<prometheus::MetricFamily> extra) {
  if (timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("CollectProgramMetrics: the timeout is negative");
  }
  std::vector<std::vector<prometheus::MetricFamily>> sources;
  if (coordinator != nullptr) {
    WorkerMetrics workers = coordinator->CollectWorkerMetrics(timeout);
    extra.push_back(Gauge("lp_metrics_workers_asked",
                          "Worker processes asked for their metrics by this scrape",
                          workers.asked));
    extra.push_back(Gauge("lp_metrics_workers_reported",
                          "Worker processes whose metrics this scrape includes",
                          static_cast<double>(workers.reports.size())));
    for (auto& report : workers.reports) sources.push_back(std::move(report));
  }
  // After the workers': this process's calls made meanwhile are counted too.
  sources.push_back(metrics::CollectProcessMetrics());
  sources.push_back(std::move(extra));
  return metrics::SerializeMetricFamilies(metrics::MergeMetricFamilies(sources));
}

std::shared_ptr<CoordinatorServer> LatestCoordinator() {
  std::lock_guard lock(g_latest_mu);
  return g_latest == nullptr ? nullptr : g_latest->lock();
}

void SetLatestCoordinator(std::weak_ptr<CoordinatorServer> coordinator) {
  std::lock_guard lock(g_latest_mu);
  if (g_latest == nullptr) g_latest = new std::weak_ptr<CoordinatorServer>();
  *g_latest = std::move(coordinator);
}

}  // namespace lp::internal
