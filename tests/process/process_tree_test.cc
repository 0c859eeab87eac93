#include "src/process/process_tree.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

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

// kTree, started and complete (WaitForTree), with one process outside the root's group.
struct Tree {
  SpawnedProcess root;
  std::vector<pid_t> pids;  // its processes, the root aside
};

// Starts a Tree into `tree`; fails the test (and leaves `tree` empty) if it cannot.
void StartTree(std::optional<Tree>& tree) {
  absl::StatusOr<SpawnedProcess> root =
      Spawn({.argv = {"/bin/sh", "-c", kTree}, .output = Output::Pipe()});
  ASSERT_TRUE(root.ok()) << root.status();
  std::string output;
  ASSERT_TRUE(testing::ReadUntil(root->output.get(), "ready", kTimeout, output));
  std::vector<pid_t> pids = WaitForTree(root->pid);
  ASSERT_GE(pids.size(), 4u);
  ASSERT_TRUE(OneLeftTheGroup(root->pid, pids));
  tree.emplace(Tree{*std::move(root), std::move(pids)});
}

TEST(ProcessTreeTest, FindsAndKillsDescendantsIncludingThoseThatCalledSetsid) {
  std::optional<Tree> tree;
  ASSERT_NO_FATAL_FAILURE(StartTree(tree));

  KillProcessTree(tree->root.pid, SIGKILL);
  absl::StatusOr<ExitInfo> exit = WaitForExit(tree->root.pid, absl::Now() + kTimeout);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->signal, SIGKILL);
  for (pid_t pid : tree->pids) EXPECT_TRUE(testing::WaitUntilGone(pid, kTimeout)) << pid;
}

TEST(ProcessTreeTest, TerminationSignalsReachTheWholeTree) {
  std::optional<Tree> tree;
  ASSERT_NO_FATAL_FAILURE(StartTree(tree));

  KillProcessTree(tree->root.pid, SIGTERM);
  absl::StatusOr<ExitInfo> exit = WaitForExit(tree->root.pid, absl::Now() + kTimeout);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->signal, SIGTERM);
  for (pid_t pid : tree->pids) EXPECT_TRUE(testing::WaitUntilGone(pid, kTimeout)) << pid;
}

// What a launcher killing its stragglers does: one call for every worker's tree.
TEST(ProcessTreeTest, KillsSeveralTreesInOneCall) {
  std::vector<Tree> trees;
  std::vector<pid_t> root_pids;
  std::vector<pid_t> everyone;
  for (int i = 0; i < 3; ++i) {
    std::optional<Tree> tree;
    ASSERT_NO_FATAL_FAILURE(StartTree(tree));
    everyone.insert(everyone.end(), tree->pids.begin(), tree->pids.end());
    root_pids.push_back(tree->root.pid);
    trees.push_back(*std::move(tree));
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
