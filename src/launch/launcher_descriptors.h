#ifndef LP_SRC_LAUNCH_LAUNCHER_DESCRIPTORS_H_
#define LP_SRC_LAUNCH_LAUNCHER_DESCRIPTORS_H_

// How many open files the launcher of a process launch needs for its workers, checked
// before the first worker starts.
//
// Why before: a launch that runs out of descriptors half-way has started workers that
// wait for a coordinator that could not accept their connection (its accept() failed
// too), and they end only when their registration times out or the termination notice
// runs out. Checked first, the launch fails at once, naming the limit.

#include "absl/status/status.h"
#include "lp/launch_type.h"
#include "lp/program.h"

namespace lp::internal {

// The descriptors the launcher holds for `program` at most, beyond what it has open:
// - local_mp, test_mp: per top-level node, the read end of its output pipe, a pidfd to
//   wait for it and its coordinator connection; per node inside a colocation, its
//   coordinator connection;
// - slurm: per group, its srun's output pipe and pidfd; per node, its coordinator
//   connection;
// plus kLauncherDescriptorReserve for what a spawn holds for a moment, gRPC's own, and
// the launcher's own client of its coordinator.
int LauncherDescriptorsNeeded(const Program& program, LaunchType launch_type);

inline constexpr int kLauncherDescriptorReserve = 24;

// OK when the launcher can open LauncherDescriptorsNeeded() more files under its limit;
// otherwise an error with the count, the limits and what to do: "starting 61 nodes in 61
// processes needs about 207 more open files, but the limit of open files is 64 ...".
absl::Status CheckLauncherDescriptors(const Program& program, LaunchType launch_type);

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_LAUNCHER_DESCRIPTORS_H_
