#include "src/process/process_tree.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "src/process/spawn.h"
#include "src/process/wait_for_exit.h"
#include "tests/process/process_test_util.h"

namespace lp::internal {
namespace {

constexpr absl::Duration kTimeout = absl::Seconds(60);

// A process tree with a child, a grandchild, and a child that left the process group
// and the session (setsid), which killing the group alone would miss.
constexpr char kTree[] = R"sh(
sleep 1000 &
sh -c 'sleep 1000 & wait' &
setsid sleep 1000 &
echo ready
wait
)sh";

bool OneLeftTheGroup(pid_t root, const std::vector<pid_t>& tree) {
  return std::any_of(tree.begin(), tree.end(), [&](pid_t pid) {
    return getpgid(pid) != root && getsid(pid) == pid;
  });
}

// Waits until kTree is complete: the shell starts its children in the background, so
// they may appear, and call setsid, after "ready". The tree: sleep, sh, its sleep, and
// the setsid'ed sleep (setsid may fork once more).
std::vector<pid_t> WaitForTree(pid_t root) {
  const absl::Time deadline = absl::Now() + kTimeout;
  std::vector<pid_t> found = Descendants(root);
  while ((found.size() < 4 || !OneLeftTheGroup(root, found)) && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
    found = Descendants(root);
  }
  return found;
}

TEST(ProcessTreeTest, FindsAndKillsDescendantsIncludingThoseThatCalledSetsid) {
  absl::StatusOr<SpawnedProcess> root =
      Spawn({.argv = {"/bin/sh", "-c", kTree}, .output = Output::Pipe()});
  ASSERT_TRUE(root.ok()) << root.status();
  std::string output;
  ASSERT_TRUE(testing::ReadUntil(root->output.get(), "ready", kTimeout, output));

  const std::vector<pid_t> tree = WaitForTree(root->pid);
  ASSERT_GE(tree.size(), 4u);
  ASSERT_TRUE(OneLeftTheGroup(root->pid, tree));

  KillProcessTree(root->pid, SIGKILL);
  absl::StatusOr<ExitInfo> exit = WaitForExit(root->pid, absl::Now() + kTimeout);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->signal, SIGKILL);
  for (pid_t pid : tree) EXPECT_TRUE(testing::WaitUntilGone(pid, kTimeout)) << pid;
}

TEST(ProcessTreeTest, TerminationSignalsReachTheWholeTree) {
  absl::StatusOr<SpawnedProcess> root =
      Spawn({.argv = {"/bin/sh", "-c", kTree}, .output = Output::Pipe()});
  ASSERT_TRUE(root.ok()) << root.status();
  std::string output;
  ASSERT_TRUE(testing::ReadUntil(root->output.get(), "ready", kTimeout, output));
  const std::vector<pid_t> tree = WaitForTree(root->pid);
  ASSERT_GE(tree.size(), 4u);

  KillProcessTree(root->pid, SIGTERM);
  absl::StatusOr<ExitInfo> exit = WaitForExit(root->pid, absl::Now() + kTimeout);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->signal, SIGTERM);
  for (pid_t pid : tree) EXPECT_TRUE(testing::WaitUntilGone(pid, kTimeout)) << pid;
}

// What a launcher killing its stragglers does: one call for every worker's tree.
TEST(ProcessTreeTest, KillsSeveralTreesInOneCall) {
  std::vector<SpawnedProcess> roots;
  std::vector<pid_t> root_pids;
  std::vector<pid_t> everyone;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<SpawnedProcess> root =
        Spawn({.argv = {"/bin/sh", "-c", kTree}, .output = Output::Pipe()});
    ASSERT_TRUE(root.ok()) << root.status();
    std::string output;
    ASSERT_TRUE(testing::ReadUntil(root->output.get(), "ready", kTimeout, output));
    const std::vector<pid_t> tree = WaitForTree(root->pid);
    ASSERT_GE(tree.size(), 4u);
    ASSERT_TRUE(OneLeftTheGroup(root->pid, tree));
    everyone.insert(everyone.end(), tree.begin(), tree.end());
    root_pids.push_back(root->pid);
    roots.push_back(*std::move(root));
  }

  KillProcessTrees(root_pids, SIGKILL);
  for (pid_t root : root_pids) {
    absl::StatusOr<ExitInfo> exit = WaitForExit(root, absl::Now() + kTimeout);
    ASSERT_TRUE(exit.ok()) << exit.status();
    EXPECT_EQ(exit->signal, SIGKILL) << root;
  }
  for (pid_t pid : everyone) EXPECT_TRUE(testing::WaitUntilGone(pid, kTimeout)) << pid;
}

TEST(ProcessTreeTest, NoDescendantsForALeaf) {
  absl::StatusOr<SpawnedProcess> leaf = Spawn({.argv = {"/bin/sleep", "1000"}});
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  EXPECT_TRUE(Descendants(leaf->pid).empty());
  KillProcessTree(leaf->pid, SIGKILL);
  ASSERT_TRUE(WaitForExit(leaf->pid, absl::Now() + kTimeout).ok());
}

}  // namespace
}  // namespace lp::internal
