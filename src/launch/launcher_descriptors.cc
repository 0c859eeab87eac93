#include "src/launch/launcher_descriptors.h"

#include "absl/strings/str_cat.h"
#include "src/launch/topology.h"
#include "src/process/open_file_limit.h"

namespace lp::internal {

int LauncherDescriptorsNeeded(const Program& program, LaunchType launch_type) {
  const int all = static_cast<int>(AllNodes(program).size());
  if (launch_type == LaunchType::kSlurm) {
    return 2 * static_cast<int>(program.Groups().size()) + all + kLauncherDescriptorReserve;
  }
  const int top_level = static_cast<int>(TopLevelNodes(program).size());
  const int inner = all - top_level;
  return 3 * top_level + inner + kLauncherDescriptorReserve;
}

absl::Status CheckLauncherDescriptors(const Program& program, LaunchType launch_type) {
  const int processes = launch_type == LaunchType::kSlurm
                            ? static_cast<int>(program.Groups().size())
                            : static_cast<int>(TopLevelNodes(program).size());
  // The caller names the program: "program 'p' could not be launched: starting ...".
  return CheckOpenFileHeadroom(
      LauncherDescriptorsNeeded(program, launch_type),
      absl::StrCat("starting ", AllNodes(program).size(), " nodes in ", processes,
                   launch_type == LaunchType::kSlurm ? " sruns" : " processes"));
}

}  // namespace lp::internal
