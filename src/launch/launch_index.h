#ifndef LP_SRC_LAUNCH_LAUNCH_INDEX_H_
#define LP_SRC_LAUNCH_LAUNCH_INDEX_H_

// The numbering of the lp::Launch calls of one process, which a worker matches against
// its LP_LAUNCH_INDEX (src/core/worker_environment.h) to find the launch its node
// belongs to.

namespace lp::internal {

// Numbers the lp::Launch calls of this process: 0, 1, 2, ... Thread-safe.
int NextLaunchIndex();
// Starts the numbering again (at the start of each test, so that a test_mp worker, which
// runs only its own test, counts the same way as the launcher did).
void ResetLaunchIndex();

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_LAUNCH_INDEX_H_
