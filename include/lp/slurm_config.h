#ifndef LP_SLURM_CONFIG_H_
#define LP_SLURM_CONFIG_H_

#include <map>
#include <string>
#include <vector>

namespace lp {

// What one group asks of Slurm under --lp_launch_type=slurm: the C++ analogue of
// Launchpad's per-group Slurm resources. Each group becomes one srun of N identical tasks
// (N = the group's node count); every field left empty is left to Slurm's defaults.
//
//   options.slurm_resources["learner"] = lp::SlurmConfig{
//       .partition = "gpu", .cpus_per_task = 8, .mem = "32G", .gres = "gpu:1",
//       .time = "2:00:00"};
//   options.slurm_resources["actor"] = lp::SlurmConfig{
//       .cpus_per_task = 1, .nodes = 4, .ntasks_per_node = 25,
//       .env = {{"OMP_NUM_THREADS", "1"}}};
struct SlurmConfig {
  std::string partition;   // --partition
  int cpus_per_task = 0;   // --cpus-per-task (0: Slurm's default, one)
  std::string mem;         // --mem per node, e.g. "4G"; inside an allocation see docs
  std::string gres;        // --gres, e.g. "gpu:1"
  std::string time;        // --time, e.g. "30:00" or "1-00:00:00"
  int nodes = 0;           // --nodes (0: as many as Slurm needs)
  int ntasks_per_node = 0; // --ntasks-per-node
  std::string constraint;  // --constraint (node features)
  std::string account;     // --account
  std::string qos;         // --qos
  // Further srun options, passed as they are, e.g. {"--exclusive", "--nodelist=n[1-3]"}.
  std::vector<std::string> extra_args = {};
  // Environment variables the group's tasks get.
  std::map<std::string, std::string> env = {};
  // Flags added to the tasks' command line as --key=value.
  std::map<std::string, std::string> args = {};
};

}  // namespace lp

#endif  // LP_SLURM_CONFIG_H_
