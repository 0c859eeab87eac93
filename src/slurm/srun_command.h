#ifndef LP_SRC_SLURM_SRUN_COMMAND_H_
#define LP_SRC_SLURM_SRUN_COMMAND_H_

// The srun command that starts one group of a program as N identical Slurm tasks. Pure
// functions of their inputs (and, for CurrentAllocation, of the environment), so that the
// command a user sees in --lp_slurm_dry_run is exactly what runs.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lp/slurm_config.h"

namespace lp::internal {

// The allocation the launcher runs inside (salloc, sbatch), if any. Inside one, each
// group is a job step, and steps must ask for exactly their share of the allocation, or
// Slurm runs them one after the other.
struct SlurmAllocation {
  std::string job_id;  // SLURM_JOB_ID
  // Memory per CPU for steps that do not ask for memory themselves, in MiB: the
  // allocation's own SLURM_MEM_PER_CPU, else its SLURM_MEM_PER_NODE divided by
  // SLURM_CPUS_ON_NODE; nullopt when the allocation does not say.
  std::optional<int64_t> mem_per_cpu_mib;
};

// The allocation of this process's environment; nullopt outside one.
std::optional<SlurmAllocation> CurrentAllocation();

// A Slurm job name for a group: "lp.<program>.<group>.<launch tag>", with every character
// Slurm or a shell might mind replaced by '_'. The tag makes it unique per launch, which
// is how the launcher finds its jobs again in squeue.
std::string SlurmJobName(const std::string& program, const std::string& group,
                         const std::string& launch_tag);

struct SrunInputs {
  std::string job_name;
  int ntasks = 1;
  const SlurmConfig* config = nullptr;  // the group's slurm_resources, if any
  std::optional<SlurmAllocation> allocation;
};

// "srun" and its options, ready for the worker command to follow.
std::vector<std::string> SrunArguments(const SrunInputs& inputs);

// A copy-and-paste form of a command: environment assignments, then the words, each
// quoted for a POSIX shell where needed.
std::string ShellCommand(const std::vector<std::pair<std::string, std::string>>& env,
                         const std::vector<std::string>& argv);

}  // namespace lp::internal

#endif  // LP_SRC_SLURM_SRUN_COMMAND_H_
