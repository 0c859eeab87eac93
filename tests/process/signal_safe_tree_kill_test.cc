// KillTreeSignalSafe: the tree kill a worker's executioner runs when the launcher died,
// checked on real process trees (a shell and its background jobs).

#include "src/process/signal_safe_tree_kill.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "src/process/process_tree.h"
#include "src/process/spawn.h"
#include "src/process/wait_for_exit.h"
#include "tests/process/process_test_util.h"

namespace lp::internal {
namespace {

constexpr absl::Duration kTimeout = absl::Seconds(60);

// The number printed after "<label> " in `output`, or -1.
pid_t PidAfter(const std::string& output, const std::string& label) {
  const size_t at = output.find(label + " ");
  if (at == std::string::npos) return -1;
  const size_t start = at + label.size() + 1;
  const size_t end = output.find('\n', start);
  int pid = -1;
  if (!absl::SimpleAtoi(output.substr(start, end - start), &pid)) return -1;
  return pid;
}

// Waits until `pid` shows `count` descendants (the shell starts them in the background).
std::vector<pid_t> WaitForDescendants(pid_t pid, size_t count) {
  const absl::Time deadline = absl::Now() + kTimeout;
  std::vector<pid_t> found = Descendants(pid);
  while (found.size() < count && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
    found = Descendants(pid);
  }
  return found;
}

// A child, a grandchild, one that left the group and the session, and an orphan that
// stayed in the group (its shell ended). The root then becomes a sleep of its own rather
// than wait for its children: KillTreeSignalSafe kills the root last, and a root that
// waited could see its children die and exit by itself first (it did once, under ASan),
// where the test wants to see the kill reach it.
constexpr char kTree[] = R"sh(
sleep 1000 &
sh -c 'sleep 1000 & wait' &
setsid sleep 1000 &
sh -c 'sleep 1000 >/dev/null 2>&1 & echo orphan $!'
echo ready
exec sleep 1000
)sh";

TEST(SignalSafeTreeKillTest, KillsTheTreeTheOrphansInTheGroupAndTheRoot) {
  absl::StatusOr<SpawnedProcess> root =
      Spawn({.argv = {"/bin/sh", "-c", kTree}, .output = Output::Pipe()});
  ASSERT_TRUE(root.ok()) << root.status();
  std::string output;
  ASSERT_TRUE(testing::ReadUntil(root->output.get(), "ready", kTimeout, output)) << output;
  const pid_t orphan = PidAfter(output, "orphan");
  ASSERT_GT(orphan, 0) << output;
  std::vector<pid_t> tree = WaitForDescendants(root->pid, 4);
  ASSERT_GE(tree.size(), 4u);
  ASSERT_TRUE(std::none_of(tree.begin(), tree.end(), [&](pid_t pid) { return pid == orphan; }))
      << "the orphan should have left the tree";
  tree.push_back(orphan);

  KillTreeSignalSafe(root->pid, getpid());
  absl::StatusOr<ExitInfo> exit = WaitForExit(root->pid, absl::Now() + kTimeout);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->signal, SIGKILL);
  for (pid_t pid : tree) EXPECT_TRUE(testing::WaitUntilGone(pid, kTimeout)) << pid;
}

// What CollectTreeSignalSafe is for: a process that left the group, whose parent ends
// between the collection and the kill, can no longer be found by parent links.
TEST(SignalSafeTreeKillTest, ACollectedDescendantIsKilledAfterItsParentEnded) {
  constexpr char kNested[] = R"sh(
sh -c 'setsid sleep 1000 & wait' &
echo middle $!
wait
)sh";
  absl::StatusOr<SpawnedProcess> root =
      Spawn({.argv = {"/bin/sh", "-c", kNested}, .output = Output::Pipe()});
  ASSERT_TRUE(root.ok()) << root.status();
  std::string output;
  ASSERT_TRUE(testing::ReadUntil(root->output.get(), "\n", kTimeout, output)) << output;
  const pid_t middle = PidAfter(output, "middle");
  ASSERT_GT(middle, 0) << output;
  const std::vector<pid_t> tree = WaitForDescendants(root->pid, 2);  // middle, leaf
  ASSERT_EQ(tree.size(), 2u);
  const pid_t leaf = tree[0] == middle ? tree[1] : tree[0];
  const absl::Time deadline = absl::Now() + kTimeout;
  while (getsid(leaf) != leaf && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
  ASSERT_EQ(getsid(leaf), leaf) << "the leaf did not call setsid";

  CollectTreeSignalSafe(root->pid);
  kill(middle, SIGKILL);  // the leaf is re-parented, out of root's tree and group
  ASSERT_TRUE(testing::WaitUntilGone(middle, kTimeout));
  ASSERT_TRUE(testing::IsAlive(leaf));

  KillTreeSignalSafe(root->pid, getpid());
  ASSERT_TRUE(WaitForExit(root->pid, absl::Now() + kTimeout).ok());
  EXPECT_TRUE(testing::WaitUntilGone(leaf, kTimeout)) << leaf;
  if (testing::IsAlive(leaf)) kill(leaf, SIGKILL);
}

TEST(SignalSafeTreeKillTest, ALeafIsKilled) {
  absl::StatusOr<SpawnedProcess> leaf = Spawn({.argv = {"/bin/sleep", "1000"}});
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  KillTreeSignalSafe(leaf->pid, getpid());
  absl::StatusOr<ExitInfo> exit = WaitForExit(leaf->pid, absl::Now() + kTimeout);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->signal, SIGKILL);
}

}  // namespace
}  // namespace lp::internal
