#ifndef LP_SRC_LAUNCH_PROGRAM_METRICS_H_
#define LP_SRC_LAUNCH_PROGRAM_METRICS_H_

// One scrape for the whole program: the launcher process's own metrics merged with every
// worker process's, which the coordinator collects on demand (docs/observability.md, "Metrics",
// says why on demand rather than pushed).

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "prometheus/metric_family.h"
#include "src/coordinator/coordinator_server.h"

namespace lp::internal {

// The program's metrics in Prometheus's text exposition format, each family once:
//   - this process's (under local_mt / test_mt every node's, since they all run here);
//   - each worker process's, when `coordinator` is given (local_mp, test_mp, slurm): it
//     asks every worker with an open WatchStop stream and waits at most `timeout` for
//     their reports; a worker that does not answer in time is left out of this scrape
//     (lp_metrics_workers_asked and lp_metrics_workers_reported tell how many);
//   - `extra`, families the caller adds (node states, restarts).
// Samples with the same labels from several sources add up (metrics::MergeMetricFamilies).
// Blocks the calling thread up to `timeout`; safe to call from any thread, concurrently.
absl::StatusOr<std::string> CollectProgramMetrics(
    CoordinatorServer* coordinator /* null under local_mt */, absl::Duration timeout,
    std::vector<prometheus::MetricFamily> extra = {});

// The coordinator of this process's latest process launch while it runs, else null:
// what a caller that holds no launcher (a test) collects from. Set by
// StartCoordinatorSession.
std::shared_ptr<CoordinatorServer> LatestCoordinator();
void SetLatestCoordinator(std::weak_ptr<CoordinatorServer> coordinator);

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_PROGRAM_METRICS_H_
