#ifndef LP_SRC_LAUNCH_WORKER_COMMAND_H_
#define LP_SRC_LAUNCH_WORKER_COMMAND_H_

// The command that starts one worker: this very binary, with this process's own
// arguments, under the group's wrapper, with the group's extra flags and environment and
// the variables that make it a worker. The group's flags also travel in the environment
// (kGroupArgsEnv), for the scripts of Python nodes.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "lp/context.h"
#include "lp/process_config.h"
#include "src/process/spawn.h"

namespace lp::internal {

// This process's command line as it was started: argv[0] replaced by the absolute path of
// the running binary (so a wrapper like taskset or valgrind finds it).
absl::StatusOr<std::vector<std::string>> OwnCommandLine();

struct WorkerCommandInputs {
  std::vector<std::string> base_argv;  // OwnCommandLine(), possibly adjusted (test_mp)
  NodeId node;
  const ProcessConfig* config = nullptr;  // the group's local_resources, if any
  // Every node of the group is a PythonNode: the group's args are its scripts' alone, so
  // they stay off the binary's command line, whose flag parsing would refuse them.
  bool args_for_scripts_only = false;
  // The variables that make the process a worker and tell it how to reach the launcher.
  std::vector<std::pair<std::string, std::string>> worker_env;
};

SpawnSpec MakeWorkerSpec(const WorkerCommandInputs& inputs);

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_WORKER_COMMAND_H_
