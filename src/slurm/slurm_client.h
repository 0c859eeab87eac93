#ifndef LP_SRC_SLURM_SLURM_CLIENT_H_
#define LP_SRC_SLURM_SLURM_CLIENT_H_

// What the launcher asks of Slurm besides srun: which partitions exist, where its jobs
// are in the queue, and cancelling them. Through Slurm's own client commands (sinfo,
// squeue, scancel), as a user would: they work with every Slurm version and site setup
// (SLURM_CONF, munge) without linking libslurm, whose API changes with each release.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace lp::internal {

// FailedPrecondition, saying what to install or where to run, when a Slurm client
// command the launcher needs is not on PATH.
absl::Status CheckSlurmClient();

// The cluster's partitions, as sinfo lists them (the default one without its '*').
absl::StatusOr<std::vector<std::string>> SlurmPartitions();

// One job (or job step) of the launcher's, as squeue shows it.
struct SlurmJob {
  std::string id;      // "123", or "123.4" for a step
  std::string name;
  std::string state;   // PENDING, RUNNING, COMPLETING, ...
  std::string reason;  // why a job is pending ("Resources", "PartitionConfig", ...)
};

// The jobs named one of `names`: of the whole queue, or, with `steps_of` a job id, the
// steps of that allocation.
absl::StatusOr<std::vector<SlurmJob>> FindSlurmJobs(const std::vector<std::string>& names,
                                                    const std::string& steps_of = "");

// scancel of the given job or step ids; OK when there are none.
absl::Status CancelSlurmJobs(const std::vector<std::string>& ids);

}  // namespace lp::internal

#endif  // LP_SRC_SLURM_SLURM_CLIENT_H_
