// kill_on_parent_death: children die with their parent, even a SIGKILLed one, and the
// ProcessSpawner keeps them alive when the thread that asked for them ends.
// KillOwnTreeWhenParentDies: a process dies with its parent and takes its tree along.
#include <signal.h>

#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "src/process/process_spawner.h"
#include "src/process/spawn.h"
#include "src/process/wait_for_exit.h"
#include "tests/process/process_test_util.h"
#include "tests/support/child_process.h"

namespace lp::internal {
namespace {

constexpr absl::Duration kTimeout = absl::Seconds(60);

// Starts `argv`, a program that prints "pids: <a> <b>" once both are alive, SIGKILLs it,
// and expects a and b to be gone.
void ExpectBothGoWhenTheParentIsKilled(std::vector<std::string> argv) {
  lp::testing::ChildProcess parent(std::move(argv));
  ASSERT_TRUE(parent.WaitForOutput("\n", kTimeout)) << parent.output();
  std::istringstream line(parent.output());
  std::string label;
  pid_t first = 0, second = 0;
  ASSERT_TRUE(line >> label >> first >> second) << parent.output();
  ASSERT_TRUE(testing::IsAlive(first));
  ASSERT_TRUE(testing::IsAlive(second));

  parent.Signal(SIGKILL);
  ASSERT_TRUE(parent.WaitForExit(kTimeout).has_value());
  EXPECT_TRUE(testing::WaitUntilGone(first, kTimeout));
  EXPECT_TRUE(testing::WaitUntilGone(second, kTimeout));
}

TEST(ParentDeathTest, ChildrenDieWhenTheirParentIsKilled) {
  ExpectBothGoWhenTheParentIsKilled({lp::testing::BuildDir() + "/tests/process/lp_spawn_sleepers"});
}

// KillOwnTreeWhenParentDies in a process whose only thread blocks every signal: the
// parent-death signal is unblocked on the thread that armed it, so it still arrives, and
// the process takes its child along. The helper prints its own pid and its child's; its
// parent is a shell, killed here.
TEST(ParentDeathTest, AnArmedProcessThatBlocksSignalsStillDiesWithItsParentAndKillsItsTree) {
  ExpectBothGoWhenTheParentIsKilled(
      {"/bin/sh", "-c", lp::testing::BuildDir() + "/tests/process/lp_dies_with_parent & wait"});
}

// The reason ProcessSpawner exists: PR_SET_PDEATHSIG follows the forking *thread*.
TEST(ParentDeathTest, SpawnerKeepsChildrenOfShortLivedThreadsAlive) {
  pid_t direct = -1, via_spawner = -1;
  std::thread short_lived([&] {
    absl::StatusOr<SpawnedProcess> a = Spawn({.argv = {"/bin/sleep", "1000"}});
    absl::StatusOr<SpawnedProcess> b =
        ProcessSpawner::Global().Spawn({.argv = {"/bin/sleep", "1000"}});
    if (a.ok()) direct = a->pid;
    if (b.ok()) via_spawner = b->pid;
  });
  short_lived.join();
  ASSERT_GT(direct, 0);
  ASSERT_GT(via_spawner, 0);

  // The thread's end kills the child it forked itself...
  absl::StatusOr<ExitInfo> exit = WaitForExit(direct, absl::Now() + kTimeout);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->signal, SIGKILL);
  // ...and the same thread exit left the spawner's child alone (both signals would have
  // been sent at that same moment).
  exit = WaitForExit(via_spawner, absl::Now());
  EXPECT_TRUE(absl::IsDeadlineExceeded(exit.status())) << exit.status();
  kill(via_spawner, SIGKILL);
  ASSERT_TRUE(WaitForExit(via_spawner, absl::Now() + kTimeout).ok());
}

TEST(ParentDeathTest, SpawnerReportsErrors) {
  absl::StatusOr<SpawnedProcess> process =
      ProcessSpawner::Global().Spawn({.argv = {"/nonexistent/program"}});
  EXPECT_TRUE(absl::IsNotFound(process.status())) << process.status();
}

}  // namespace
}  // namespace lp::internal
