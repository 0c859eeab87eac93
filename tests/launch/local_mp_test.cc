// local_mp from the outside: tests/launch/lp_mp_child run as a real program, driven
// through its output, signals and exit code, with its workers' processes checked in /proc.
// Every test waits on events (a line printed, a process gone, an exit), never on a sleep.

#include <signal.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lp/coordinator.grpc.pb.h"
#include "lp/launch.h"
#include "lp/serialized_object.h"
#include "tests/launch/launch_test_util.h"
#include "tests/support/child_process.h"
#include "tests/support/listening_ports.h"
#include "tests/support/outside_client.h"
#include "tests/support/temp_dir.h"
#include "tests/terminal/timestamp_checks.h"

namespace lp {
namespace {

using ::lp::testing::BuildDir;
using ::lp::testing::ChildProcess;
using ::lp::testing::ExitCodeOf;
using ::lp::testing::kGenerous;
using TempDir = ::lp::testing::TempDir;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Child() { return BuildDir() + "/tests/launch/lp_mp_child"; }

class LocalMpTest : public ::testing::Test {
 protected:
  // Waits until each of `nodes` printed its "pid <node> <pid>" line; returns the pids,
  // which the janitor kills at the end of the test if they are still alive.
  std::map<std::string, pid_t> WaitForNodes(ChildProcess& child,
                                            const std::vector<std::string>& nodes) {
    for (const std::string& node : nodes) {
      if (!WaitForLine(child, "pid " + node + " ")) {
        ADD_FAILURE() << "node " << node << " did not start:\n" << child.output();
        return {};
      }
    }
    std::map<std::string, pid_t> pids = testing::NodePids(child.output());
    for (const auto& [node, pid] : pids) janitor_.Watch(pid, "lp_mp_child");
    return pids;
  }

  // Waits for a whole line starting at `text` (a line may arrive in pieces).
  static bool WaitForLine(ChildProcess& child, const std::string& text) {
    const absl::Time deadline = absl::Now() + kGenerous;
    if (!child.WaitForOutput(text, kGenerous)) return false;
    while (child.output().find('\n', child.output().find(text)) == std::string::npos) {
      if (absl::Now() > deadline) return false;
      // Reads whatever comes next: the text never appears.
      (void)child.WaitForOutput("\x01 more output \x01", absl::Milliseconds(20));
    }
    return true;
  }

  static std::vector<pid_t> Values(const std::map<std::string, pid_t>& pids) {
    std::vector<pid_t> values;
    for (const auto& [node, pid] : pids) values.push_back(pid);
    return values;
  }

  testing::ProcessJanitor janitor_;
};

// ---------------------------------------------------------------------------------------
// Terminals.

TEST_F(LocalMpTest, CurrentTerminalPrefixesEveryLineWithItsNode) {
  // The last node ending ends the program, successfully.
  ChildProcess child({Child(), "--mode=ends", "--lp_terminal=current_terminal"});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("[ender/0] done ender/0\n"));
  EXPECT_THAT(child.output(), HasSubstr("[ender/1] done ender/1\n"));
}

TEST_F(LocalMpTest, OutputToFilesWritesOneLogPerNode) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string logs = dir.path() + "/logs";
  ChildProcess child(
      {Child(), "--mode=ends", "--lp_terminal=output_to_files", "--lp_log_dir=" + logs});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("lp: node output is in " + logs));
  // The node output is in the files, not in the launcher's output.
  EXPECT_THAT(child.output(), Not(HasSubstr("done ender/0")));
  for (const std::string node : {"0", "1"}) {
    std::ifstream file(logs + "/ender." + node + ".log");
    const std::string content((std::istreambuf_iterator<char>(file)),
                              std::istreambuf_iterator<char>());
    EXPECT_THAT(content, HasSubstr("done ender/" + node)) << logs;
  }
}

// The lines of `text` that end in `suffix`, with what comes before it.
std::vector<std::string> LinesEndingIn(const std::string& text, const std::string& suffix) {
  std::vector<std::string> starts;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::ConsumeSuffix(&line, suffix)) starts.emplace_back(line);
  }
  return starts;
}

TEST_F(LocalMpTest, LogTimestampsStartEveryPrefixedLineWithTheTimeOnlyWhenAsked) {
  const absl::Time before = absl::Now();
  ChildProcess stamped({Child(), "--mode=ends", "--lp_log_timestamps"});
  EXPECT_EQ(ExitCodeOf(stamped.WaitForExit(kGenerous)), 0) << stamped.output();
  const absl::Time after = absl::Now();
  for (const std::string node : {"ender/0", "ender/1"}) {
    const std::vector<std::string> starts =
        LinesEndingIn(stamped.output(), "[" + node + "] done " + node);
    ASSERT_EQ(starts.size(), 1u) << stamped.output();
    std::string rest;
    const std::optional<absl::Time> time = testing::LineTimestamp(starts[0], &rest);
    ASSERT_TRUE(time.has_value()) << starts[0];
    EXPECT_EQ(rest, "");
    EXPECT_GE(*time, before - absl::Milliseconds(1));
    EXPECT_LE(*time, after + absl::Milliseconds(1));
  }

  ChildProcess plain({Child(), "--mode=ends"});
  EXPECT_EQ(ExitCodeOf(plain.WaitForExit(kGenerous)), 0) << plain.output();
  EXPECT_THAT(LinesEndingIn(plain.output(), "[ender/0] done ender/0"), ElementsAre(""))
      << plain.output();
}

TEST_F(LocalMpTest, LogTimestampsReachTheFilesOfOutputToFiles) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string logs = dir.path() + "/logs";
  const absl::Time before = absl::Now();
  ChildProcess child({Child(), "--mode=ends", "--lp_terminal=output_to_files",
                      "--lp_log_dir=" + logs, "--lp_log_timestamps"});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  const absl::Time after = absl::Now();
  for (const std::string node : {"0", "1"}) {
    std::ifstream file(logs + "/ender." + node + ".log");
    const std::string content((std::istreambuf_iterator<char>(file)),
                              std::istreambuf_iterator<char>());
    const std::vector<std::string> starts = LinesEndingIn(content, "done ender/" + node);
    ASSERT_EQ(starts.size(), 1u) << content;
    std::string rest;
    const std::optional<absl::Time> time = testing::LineTimestamp(starts[0], &rest);
    ASSERT_TRUE(time.has_value()) << starts[0];
    EXPECT_EQ(rest, "") << "no [node] prefix in a node's own file";
    EXPECT_GE(*time, before - absl::Milliseconds(1));
    EXPECT_LE(*time, after + absl::Milliseconds(1));
  }
}

// tmux_session, on a private tmux server: TMUX_TMPDIR points the default server's
// socket into a directory of the test's own, and TMUX is unset so that a test run inside
// tmux does not reach the user's server.
class TmuxLaunchTest : public LocalMpTest {
 protected:
  void TearDown() override {
    ChildProcess kill(Tmux({"kill-server"}));
    (void)kill.WaitForExit(kGenerous);
  }

  std::vector<std::string> Tmux(std::vector<std::string> args) const {
    std::vector<std::string> argv = {"/usr/bin/env", "-u", "TMUX", "TMUX_TMPDIR=" + dir_.path(),
                                     "/usr/bin/tmux"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  // The output of a tmux command, or the empty string when it failed.
  std::string TmuxOutput(std::vector<std::string> args) const {
    ChildProcess tmux(Tmux(std::move(args)));
    return ExitCodeOf(tmux.WaitForExit(kGenerous)) == 0 ? tmux.output() : "";
  }

  TempDir dir_;
};

TEST_F(TmuxLaunchTest, RunsAWindowPerNodeAndTheProgramToCompletion) {
  if (access("/usr/bin/tmux", X_OK) != 0) GTEST_SKIP() << "tmux is not installed";
  ASSERT_FALSE(dir_.path().empty());
  std::vector<std::string> argv = Tmux({});
  argv.resize(4);  // env -u TMUX TMUX_TMPDIR=...
  argv.insert(argv.end(), {Child(), "--mode=ends", "--lp_terminal=tmux_session"});
  ChildProcess child(argv);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("lp: nodes run in tmux session 'mp_child'"));

  // (Not #{pane_dead_status}: tmux 3.3a now and then never records it, see
  // src/terminal/tmux_session.h; the launcher's exit code says how the nodes ended.)
  const std::string windows =
      TmuxOutput({"list-windows", "-t", "mp_child", "-F", "#{window_name}"});
  std::vector<std::string> lines = absl::StrSplit(windows, '\n', absl::SkipEmpty());
  EXPECT_THAT(lines, ::testing::UnorderedElementsAre("ender/0", "ender/1")) << windows;
  // Each pane kept its node's output (tmux reads panes asynchronously: poll).
  for (const std::string node : {"ender/0", "ender/1"}) {
    const absl::Time deadline = absl::Now() + kGenerous;
    std::string pane;
    while (pane.find("done " + node) == std::string::npos && absl::Now() < deadline) {
      pane = TmuxOutput({"capture-pane", "-p", "-S", "-", "-t", "mp_child:" + node});
      if (pane.find("done " + node) == std::string::npos) absl::SleepFor(absl::Milliseconds(50));
    }
    EXPECT_THAT(pane, HasSubstr("done " + node));
  }
}

// tmux's workers are children of the tmux server, not of the launcher: they notice its
// death through the coordinator and end by themselves.
TEST_F(TmuxLaunchTest, LauncherKilledLeavesNoWorkerBehind) {
  if (access("/usr/bin/tmux", X_OK) != 0) GTEST_SKIP() << "tmux is not installed";
  ASSERT_FALSE(dir_.path().empty());
  std::vector<std::string> argv = Tmux({});
  argv.resize(4);  // env -u TMUX TMUX_TMPDIR=...
  argv.insert(argv.end(), {Child(), "--mode=wait", "--lp_terminal=tmux_session"});
  ChildProcess child(argv);
  ASSERT_TRUE(child.WaitForOutput("lp: nodes run in tmux session 'mp_child'", kGenerous))
      << child.output();
  // The workers print their pids in their panes.
  std::map<std::string, pid_t> pids;
  const absl::Time deadline = absl::Now() + kGenerous;
  while (pids.size() < 2 && absl::Now() < deadline) {
    pids.clear();
    for (const std::string node : {"waiter/0", "waiter/1"}) {
      const std::string pane = TmuxOutput({"capture-pane", "-p", "-S", "-", "-t", "mp_child:" + node});
      for (const auto& [name, pid] : testing::NodePids(pane)) pids[name] = pid;
    }
    if (pids.size() < 2) absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_EQ(pids.size(), 2u) << child.output();
  for (const auto& [node, pid] : pids) janitor_.Watch(pid, "lp_mp_child");
  // The killed launcher cannot remove the directory where the panes' wrapper shells
  // leave the exit statuses: find it on their command lines, to remove it ourselves.
  std::set<std::string> state_dirs;
  static const std::regex kStateDir("/tmp/lp-tmux-[A-Za-z0-9]{6}");
  for (absl::string_view pane_pid : absl::StrSplit(
           TmuxOutput({"list-panes", "-s", "-t", "mp_child", "-F", "#{pane_pid}"}), '\n',
           absl::SkipEmpty())) {
    int pid = 0;
    if (!absl::SimpleAtoi(pane_pid, &pid)) continue;
    const std::string command = testing::CommandLineOf(pid);
    std::smatch match;
    if (std::regex_search(command, match, kStateDir)) state_dirs.insert(match.str());
  }
  EXPECT_EQ(state_dirs.size(), 1u);
  child.Signal(SIGKILL);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), -SIGKILL);
  EXPECT_THAT(testing::WaitUntilGone(Values(pids), absl::Seconds(20)), ::testing::IsEmpty());
  std::error_code ignored;
  for (const std::string& state_dir : state_dirs) std::filesystem::remove_all(state_dir, ignored);
}

TEST_F(LocalMpTest, XtermAndGnomeTerminalWithoutADisplayAreAClearError) {
  for (const std::string terminal : {"xterm", "gnome-terminal"}) {
    ChildProcess child({"/usr/bin/env", "-u", "DISPLAY", "-u", "WAYLAND_DISPLAY", Child(),
                        "--mode=wait", "--lp_terminal=" + terminal});
    EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitLaunchError) << child.output();
    EXPECT_THAT(child.output(), HasSubstr("--lp_terminal=" + terminal +
                                          " opens a window per node, but there is no display"));
    EXPECT_THAT(child.output(), Not(HasSubstr("pid waiter")));
  }
}

TEST_F(LocalMpTest, XtermAndGnomeTerminalNotInstalledAreAClearError) {
  for (const std::string terminal : {"xterm", "gnome-terminal"}) {
    if (access(("/usr/bin/" + terminal).c_str(), X_OK) == 0) continue;  // installed
    ChildProcess child({"/usr/bin/env", "DISPLAY=:97", Child(), "--mode=wait",
                        "--lp_terminal=" + terminal});
    EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitLaunchError) << child.output();
    EXPECT_THAT(child.output(), HasSubstr("--lp_terminal=" + terminal + " needs " + terminal));
    EXPECT_THAT(child.output(), HasSubstr("'" + terminal + "' is not installed"));
  }
}

TEST_F(LocalMpTest, UnknownTerminalIsRejectedWithTheValidOnes) {
  ChildProcess child({Child(), "--mode=wait", "--lp_terminal=teletype"});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitLaunchError) << child.output();
  EXPECT_THAT(child.output(),
              HasSubstr("unknown terminal 'teletype' for --lp_terminal; valid: current_terminal, "
                        "output_to_files, tmux_session, xterm, gnome-terminal"));
}

// ---------------------------------------------------------------------------------------
// Per-group configuration.

TEST_F(LocalMpTest, GroupArgsEnvAndWrapperReachTheNode) {
  ChildProcess child({Child(), "--mode=config"});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  for (const std::string node : {"configured/0", "configured/1"}) {
    EXPECT_THAT(child.output(),
                HasSubstr(node + ": role=actor dataset=train wrapped=yes\n"));
  }
  EXPECT_THAT(child.output(), HasSubstr("plain/0: role=unset dataset=(unset) wrapped=(unset)\n"));
}

TEST_F(LocalMpTest, LocalResourcesForAnUnknownGroupListsTheGroups) {
  ChildProcess child({Child(), "--mode=unknown_group"});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitLaunchError) << child.output();
  EXPECT_THAT(child.output(),
              HasSubstr("local_resources names group 'learner', but program 'mp_child' has no "
                        "such group; its groups are: waiter"));
  EXPECT_THAT(child.output(), Not(HasSubstr("pid waiter")));
}

TEST_F(LocalMpTest, AWrapperThatIsNotInstalledIsNamed) {
  ChildProcess child({Child(), "--mode=missing_wrapper"});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitLaunchError) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("cannot start node waiter/0"));
  EXPECT_THAT(child.output(), HasSubstr("'lp-no-such-wrapper' is not installed"));
  EXPECT_THAT(child.output(), Not(HasSubstr("pid waiter")));
}

// ---------------------------------------------------------------------------------------
// Stopping.

void ExpectEveryWaiterStoppedCleanly(const std::string& output) {
  for (const std::string node : {"waiter/0", "waiter/1"}) {
    EXPECT_THAT(output, HasSubstr("[" + node + "] stop handler: " + node + "\n")) << output;
    EXPECT_THAT(output, HasSubstr("[" + node + "] clean exit: " + node + "\n")) << output;
  }
}

TEST_F(LocalMpTest, StopFromANodeStopsEveryNode) {
  TempDir dir;
  const std::string trigger = dir.path() + "/stop-now";
  ChildProcess child({Child(), "--mode=stop_from_node", "--trigger=" + trigger});
  const auto pids = WaitForNodes(child, {"waiter/0", "waiter/1", "stopper/0"});
  ASSERT_EQ(pids.size(), 3u) << child.output();
  EXPECT_THAT(child.output(), Not(HasSubstr("stop handler")));
  std::ofstream(trigger).put('\n');
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("[stopper/0] stopper: stopping the program"));
  ExpectEveryWaiterStoppedCleanly(child.output());
  EXPECT_THAT(testing::WaitUntilGone(Values(pids), kGenerous), ::testing::IsEmpty());
}

TEST_F(LocalMpTest, CtrlCStopsEveryNodeCleanly) {
  ChildProcess child({Child(), "--mode=wait"});
  const auto pids = WaitForNodes(child, {"waiter/0", "waiter/1"});
  ASSERT_EQ(pids.size(), 2u) << child.output();
  child.Signal(SIGINT);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("Ctrl+C received, stopping program 'mp_child'"));
  ExpectEveryWaiterStoppedCleanly(child.output());
  EXPECT_THAT(testing::WaitUntilGone(Values(pids), kGenerous), ::testing::IsEmpty());
}

TEST_F(LocalMpTest, SigtermStopsEveryNodeCleanly) {
  ChildProcess child({Child(), "--mode=wait"});
  const auto pids = WaitForNodes(child, {"waiter/0", "waiter/1"});
  ASSERT_EQ(pids.size(), 2u) << child.output();
  child.Signal(SIGTERM);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("SIGTERM received, stopping program 'mp_child'"));
  ExpectEveryWaiterStoppedCleanly(child.output());
  EXPECT_THAT(testing::WaitUntilGone(Values(pids), kGenerous), ::testing::IsEmpty());
}

// A Future::OnReady callback that blocks, against its rule, holds the thread that reads
// the worker's replies, and the worker's stop watch reads its stream through the same
// queue. The watch polls past such a callback (rpc::ClientQueue::PollPastABlockedCompletion):
// the worker hears the stop and its node ends cleanly, instead of being killed at the end
// of the notice.
TEST_F(LocalMpTest, AContinuationThatBlocksDoesNotKeepItsWorkerFromHearingTheStop) {
  ChildProcess child(
      {Child(), "--mode=blocked_continuation", "--lp_termination_notice_secs=30"});
  const auto pids = WaitForNodes(child, {"blocker/0"});
  ASSERT_EQ(pids.size(), 1u) << child.output();
  ASSERT_TRUE(WaitForLine(child, "[blocker/0] continuation blocks")) << child.output();
  child.Signal(SIGTERM);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("[blocker/0] continuation saw the stop\n"));
  EXPECT_THAT(child.output(), HasSubstr("[blocker/0] clean exit: blocker/0\n"));
}

TEST_F(LocalMpTest, StragglerIsKilledWithItsChildrenAfterTheNotice) {
  // A notice long enough for the waiters to exit on a loaded machine (or under TSan).
  ChildProcess child({Child(), "--mode=straggler", "--lp_termination_notice_secs=5"});
  auto pids = WaitForNodes(child, {"waiter/0", "waiter/1", "straggler/0"});
  ASSERT_EQ(pids.size(), 3u) << child.output();
  const pid_t grandchild = testing::NumberAfter(child.output(), "grandchild ");
  ASSERT_GT(grandchild, 0) << child.output();
  janitor_.Watch(grandchild, "sleep");
  ASSERT_FALSE(testing::IsGone(grandchild));
  child.Signal(SIGTERM);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitStragglers) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("groups [straggler] did not stop within 5s of the stop "
                                        "request and were killed (nodes straggler/0)"));
  EXPECT_THAT(child.output(), Not(HasSubstr("waiter/0)")));
  ExpectEveryWaiterStoppedCleanly(child.output());
  EXPECT_THAT(testing::WaitUntilGone({pids["straggler/0"], grandchild}, absl::Seconds(10)),
              ::testing::IsEmpty());
}

// A zero notice kills at once: the worker's own deadline must not race the launcher's
// kill and orphan the grandchild.
TEST_F(LocalMpTest, ZeroNoticeKillsTheStragglerAndItsChildrenAtOnce) {
  ChildProcess child({Child(), "--mode=straggler", "--lp_termination_notice_secs=0"});
  auto pids = WaitForNodes(child, {"waiter/0", "waiter/1", "straggler/0"});
  ASSERT_EQ(pids.size(), 3u) << child.output();
  const pid_t grandchild = testing::NumberAfter(child.output(), "grandchild ");
  ASSERT_GT(grandchild, 0) << child.output();
  janitor_.Watch(grandchild, "sleep");
  child.Signal(SIGTERM);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitStragglers) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("did not stop within 0s of the stop request and were "
                                        "killed (nodes "));
  EXPECT_THAT(child.output(), HasSubstr("straggler/0)"));
  std::vector<pid_t> all = Values(pids);
  all.push_back(grandchild);
  EXPECT_THAT(testing::WaitUntilGone(all, absl::Seconds(10)), ::testing::IsEmpty());
}

// A node that ended cleanly is no straggler, even when its process has not ended by the
// end of the notice (here its output cannot be flushed; with 1000 workers on 2 cores, the
// kernel is still tearing hundreds of them down): it is killed, and the stop is clean.
TEST_F(LocalMpTest, ANodeThatEndedCleanlyIsNoStragglerThoughItsProcessOutlivesTheNotice) {
  TempDir dir;
  const std::string fifo = dir.path() + "/unread";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  ChildProcess child(
      {Child(), "--mode=lingerer", "--trigger=" + fifo, "--lp_termination_notice_secs=5"});
  const auto pids = WaitForNodes(child, {"waiter/0", "waiter/1", "lingerer/0"});
  ASSERT_EQ(pids.size(), 3u) << child.output();
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  EXPECT_THAT(child.output(), Not(HasSubstr("did not stop")));
  ExpectEveryWaiterStoppedCleanly(child.output());
  EXPECT_THAT(testing::WaitUntilGone(Values(pids), kGenerous), ::testing::IsEmpty());
}

TEST_F(LocalMpTest, LauncherKilledLeavesNoWorkerBehind) {
  ChildProcess child({Child(), "--mode=wait"});
  const auto pids = WaitForNodes(child, {"waiter/0", "waiter/1"});
  ASSERT_EQ(pids.size(), 2u) << child.output();
  child.Signal(SIGKILL);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), -SIGKILL);
  EXPECT_THAT(testing::WaitUntilGone(Values(pids), absl::Seconds(10)), ::testing::IsEmpty());
}

// The workers die with the launcher (PR_SET_PDEATHSIG), and take the processes their
// nodes started along: a child, one in a process group of its own (found through the
// parent links) and an orphan left in the worker's process group.
TEST_F(LocalMpTest, LauncherKilledLeavesNoProcessOfANodeBehind) {
  ChildProcess child({Child(), "--mode=family"});
  auto pids = WaitForNodes(child, {"waiter/0", "waiter/1", "family/0"});
  ASSERT_EQ(pids.size(), 3u) << child.output();
  std::vector<pid_t> all = Values(pids);
  for (const std::string kind : {"] child ", "] own group ", "] orphan "}) {
    const pid_t pid = testing::NumberAfter(child.output(), kind);
    ASSERT_GT(pid, 0) << kind << "\n" << child.output();
    janitor_.Watch(pid, "sleep");
    ASSERT_FALSE(testing::IsGone(pid)) << kind;
    all.push_back(pid);
  }
  child.Signal(SIGKILL);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), -SIGKILL);
  EXPECT_THAT(testing::WaitUntilGone(all, kGenerous), ::testing::IsEmpty()) << child.output();
}

// A program that blocks every signal in main() (to sigwait() for them) hands that mask to
// every thread and worker; the workers still hear of the launcher's death, and their
// nodes' processes still go with them.
TEST_F(LocalMpTest, LauncherKilledLeavesNoProcessBehindWhenTheProgramBlocksSignals) {
  ChildProcess child({Child(), "--mode=family", "--block_signals"});
  auto pids = WaitForNodes(child, {"waiter/0", "waiter/1", "family/0"});
  ASSERT_EQ(pids.size(), 3u) << child.output();
  std::vector<pid_t> all = Values(pids);
  const pid_t pid = testing::NumberAfter(child.output(), "] child ");
  ASSERT_GT(pid, 0) << child.output();
  janitor_.Watch(pid, "sleep");
  all.push_back(pid);
  child.Signal(SIGKILL);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), -SIGKILL);
  EXPECT_THAT(testing::WaitUntilGone(all, kGenerous), ::testing::IsEmpty()) << child.output();
}

// The straggler's `sleep 1000` is a grandchild of the launcher, as a node's helper process
// would be.
TEST_F(LocalMpTest, LauncherKilledLeavesNoGrandchildBehind) {
  ChildProcess child({Child(), "--mode=straggler"});
  auto pids = WaitForNodes(child, {"waiter/0", "waiter/1", "straggler/0"});
  ASSERT_EQ(pids.size(), 3u) << child.output();
  const pid_t grandchild = testing::NumberAfter(child.output(), "grandchild ");
  ASSERT_GT(grandchild, 0) << child.output();
  janitor_.Watch(grandchild, "sleep");
  ASSERT_FALSE(testing::IsGone(grandchild));
  child.Signal(SIGKILL);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), -SIGKILL);
  std::vector<pid_t> all = Values(pids);
  all.push_back(grandchild);
  EXPECT_THAT(testing::WaitUntilGone(all, kGenerous), ::testing::IsEmpty());
}

// ---------------------------------------------------------------------------------------
// Failures.

TEST_F(LocalMpTest, NodeExceptionFailsTheProgramWithItsLastOutput) {
  ChildProcess child({Child(), "--mode=throw"});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitNodeFailed) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("lp: program 'mp_child' failed: node crasher/0 failed: "
                                        "the answer was not 42 (exited with code 1)"));
  EXPECT_THAT(child.output(), HasSubstr("last output of crasher/0:\n"));
  EXPECT_THAT(child.output(), HasSubstr("\n  crasher output line 1\n  crasher output line 2\n"));
  ExpectEveryWaiterStoppedCleanly(child.output());
}

TEST_F(LocalMpTest, NodeExitCodeFailsTheProgram) {
  ChildProcess child({Child(), "--mode=exit7"});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitNodeFailed) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("lp: program 'mp_child' failed: node crasher/0 failed: "
                                        "exited with code 7"));
  EXPECT_THAT(child.output(), HasSubstr("\n  crasher output line 2\n"));
  ExpectEveryWaiterStoppedCleanly(child.output());
}

TEST_F(LocalMpTest, NodeCrashFailsTheProgramNamingTheSignal) {
  ChildProcess child({Child(), "--mode=segv"});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitNodeFailed) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("lp: program 'mp_child' failed: node crasher/0 failed: "
                                        "segmentation fault (signal 11, SIGSEGV)"));
  EXPECT_THAT(child.output(), HasSubstr("\n  crasher output line 2\n"));
  ExpectEveryWaiterStoppedCleanly(child.output());
}

TEST_F(LocalMpTest, WorkerKilledFromOutsideFailsTheProgram) {
  ChildProcess child({Child(), "--mode=victim"});
  auto pids = WaitForNodes(child, {"waiter/0", "waiter/1", "victim/0"});
  ASSERT_EQ(pids.size(), 3u) << child.output();
  kill(pids["victim/0"], SIGKILL);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitNodeFailed) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("lp: program 'mp_child' failed: node victim/0 failed: "
                                        "killed by signal 9 (SIGKILL)"));
  ExpectEveryWaiterStoppedCleanly(child.output());
  EXPECT_THAT(testing::WaitUntilGone(Values(pids), kGenerous), ::testing::IsEmpty());
}

TEST_F(LocalMpTest, FingerprintMismatchIsExplained) {
  ChildProcess child({Child(), "--mode=fingerprint"});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitNodeFailed) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("lp: program 'mp_child' failed: node waiter/"));
  EXPECT_THAT(child.output(), HasSubstr("lp: worker for node waiter/"));
  EXPECT_THAT(child.output(), HasSubstr(" of program 'mp_child' cannot run: the program built"));
  EXPECT_THAT(child.output(),
              HasSubstr("the program built in this worker differs from the launcher's: the "
                        "topology changed. Program construction must be deterministic"));
  EXPECT_THAT(child.output(), HasSubstr("launcher has nothing, worker has 'extra"));
  // The worker never ran its node.
  EXPECT_THAT(child.output(), Not(HasSubstr("pid waiter/")));
}

// ---------------------------------------------------------------------------------------
// The fork server: workers forked by a server that ran main() up to lp::Launch once.

// Whether this build has fork servers: a ThreadSanitizer build execs every worker.
bool ForkServerExpected() {
#if defined(__SANITIZE_THREAD__)
  return false;
#else
  return true;
#endif
}

// The failure report of a launch, from LaunchAndWait's line to the end, with the pids the
// nodes printed replaced by "N". Without the lines of the other nodes, which may still
// print after it ("[waiter/0] clean exit" did, once in a loaded run).
std::string FailureReport(const std::string& output) {
  const size_t start = output.find("lp: program 'mp_child' failed");
  if (start == std::string::npos) return "";
  std::string report;
  for (absl::string_view line : absl::StrSplit(output.substr(start), '\n')) {
    if (!absl::StartsWith(line, "[")) absl::StrAppend(&report, line, "\n");
  }
  return std::regex_replace(report, std::regex(R"(pid (\S+) \d+)"), "pid $1 N");
}

// How many TCP connections `worker` has to ports the launcher listens on (its coordinator
// and status server).
int TcpConnectionsToTheLauncher(pid_t worker, pid_t launcher) {
  const std::set<int> launcher_ports = testing::ListeningTcpPorts(launcher);
  int connections = 0;
  for (const int port : testing::ConnectedTcpRemotePorts(worker)) {
    connections += launcher_ports.contains(port) ? 1 : 0;
  }
  return connections;
}

TEST_F(LocalMpTest, WorkersAreForkedByOneSingleThreadedServerTheLauncherStarted) {
  if (!ForkServerExpected()) GTEST_SKIP() << "no fork server under ThreadSanitizer";
  ChildProcess child({Child(), "--mode=wait"});
  const auto pids = WaitForNodes(child, {"waiter/0", "waiter/1"});
  ASSERT_EQ(pids.size(), 2u) << child.output();
  // Not exec'd by the launcher: the worker's parent is the server, a child of the
  // launcher with only the thread that forks.
  const pid_t server = testing::ParentOf(pids.at("waiter/0"));
  EXPECT_NE(server, child.pid());
  EXPECT_EQ(testing::ParentOf(pids.at("waiter/1")), server);
  EXPECT_EQ(testing::ParentOf(server), child.pid());
  EXPECT_EQ(testing::ThreadsOf(server), 1);
  EXPECT_EQ(testing::CommandLineOf(server), testing::CommandLineOf(child.pid()));
  // They reach the coordinator through a socketpair the launcher handed them, not TCP.
  for (const auto& [node, pid] : pids) {
    EXPECT_EQ(TcpConnectionsToTheLauncher(pid, child.pid()), 0) << node;
  }
  janitor_.Watch(server, "lp_mp_child");
  child.Signal(SIGINT);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  ExpectEveryWaiterStoppedCleanly(child.output());
  EXPECT_THAT(testing::WaitUntilGone({server}, kGenerous), ::testing::IsEmpty());
}

// The launcher hears of a forked worker's end from the server's report, on the thread
// that reads the reports: no thread of its own waits for each worker (a launch of 1000
// workers ran 1024 threads in the launcher; docs/performance.md, "1000 nodes").
TEST_F(LocalMpTest, TheLauncherRunsNoThreadPerForkedWorker) {
  if (!ForkServerExpected()) GTEST_SKIP() << "no fork server under ThreadSanitizer";
  std::map<int, int> launcher_threads;  // by the number of waiters
  for (const int waiters : {2, 16}) {
    ChildProcess child({Child(), "--mode=wait", absl::StrCat("--waiters=", waiters)});
    std::vector<std::string> nodes;
    for (int i = 0; i < waiters; ++i) nodes.push_back(absl::StrCat("waiter/", i));
    ASSERT_EQ(WaitForNodes(child, nodes).size(), nodes.size()) << child.output();
    launcher_threads[waiters] = testing::ThreadsOf(child.pid());
    child.Signal(SIGINT);
    EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
    ExpectEveryWaiterStoppedCleanly(child.output());
  }
  // A thread per worker would add 14. gRPC's executors may start a few more when busy.
  EXPECT_LT(launcher_threads[16] - launcher_threads[2], 7)
      << "launcher threads with 2 workers: " << launcher_threads[2]
      << ", with 16: " << launcher_threads[16];
}

// Workers are forked in batches, the replies matched to the requests by their order
// (ForkServer::ForkAll). Past the first batches, each worker must still be its own node's:
// the launcher names the node whose process was killed.
TEST_F(LocalMpTest, AWorkerForkedInALaterBatchIsItsOwnNodes) {
  ChildProcess child({Child(), "--mode=victim", "--waiters=40"});
  std::vector<std::string> nodes = {"victim/0"};
  for (int i = 0; i < 40; ++i) nodes.push_back(absl::StrCat("waiter/", i));
  auto pids = WaitForNodes(child, nodes);
  ASSERT_EQ(pids.size(), nodes.size()) << child.output();
  kill(pids["victim/0"], SIGKILL);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitNodeFailed) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("lp: program 'mp_child' failed: node victim/0 failed: "
                                        "killed by signal 9 (SIGKILL)"));
  for (int i = 0; i < 40; ++i) {
    const std::string node = absl::StrCat("waiter/", i);
    EXPECT_THAT(child.output(), HasSubstr("[" + node + "] clean exit: " + node + "\n"));
  }
  EXPECT_THAT(testing::WaitUntilGone(Values(pids), kGenerous), ::testing::IsEmpty());
}

TEST_F(LocalMpTest, WithoutTheForkServerTheLauncherExecsEveryWorker) {
  ChildProcess child({Child(), "--mode=wait", "--lp_fork_server=false"});
  const auto pids = WaitForNodes(child, {"waiter/0", "waiter/1"});
  ASSERT_EQ(pids.size(), 2u) << child.output();
  for (const auto& [node, pid] : pids) {
    EXPECT_EQ(testing::ParentOf(pid), child.pid()) << node;
    EXPECT_EQ(TcpConnectionsToTheLauncher(pid, child.pid()), 1) << node;  // the coordinator
  }
  child.Signal(SIGINT);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  ExpectEveryWaiterStoppedCleanly(child.output());
}

// The worker's parent is the server, which dies with the launcher; the worker dies with
// its parent and takes its node's processes along.
TEST_F(LocalMpTest, LauncherKilledLeavesNoForkedWorkerNorItsServerNorTheirProcessesBehind) {
  if (!ForkServerExpected()) GTEST_SKIP() << "no fork server under ThreadSanitizer";
  ChildProcess child({Child(), "--mode=family"});
  auto pids = WaitForNodes(child, {"waiter/0", "waiter/1", "family/0"});
  ASSERT_EQ(pids.size(), 3u) << child.output();
  const pid_t server = testing::ParentOf(pids.at("family/0"));
  ASSERT_NE(server, child.pid());
  ASSERT_EQ(testing::ParentOf(server), child.pid());
  janitor_.Watch(server, "lp_mp_child");
  std::vector<pid_t> all = Values(pids);
  all.push_back(server);
  for (const std::string kind : {"] child ", "] own group ", "] orphan "}) {
    const pid_t pid = testing::NumberAfter(child.output(), kind);
    ASSERT_GT(pid, 0) << kind << "\n" << child.output();
    janitor_.Watch(pid, "sleep");
    all.push_back(pid);
  }
  child.Signal(SIGKILL);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), -SIGKILL);
  EXPECT_THAT(testing::WaitUntilGone(all, kGenerous), ::testing::IsEmpty()) << child.output();
}

// Its workers die with it (their parent), and the launcher, which no longer hears how
// they ended, says so.
TEST_F(LocalMpTest, AForkServerKilledTakesItsWorkersAlongAndTheLaunchFailsSayingSo) {
  if (!ForkServerExpected()) GTEST_SKIP() << "no fork server under ThreadSanitizer";
  ChildProcess child({Child(), "--mode=wait"});
  const auto pids = WaitForNodes(child, {"waiter/0", "waiter/1"});
  ASSERT_EQ(pids.size(), 2u) << child.output();
  const pid_t server = testing::ParentOf(pids.at("waiter/0"));
  ASSERT_EQ(testing::ParentOf(server), child.pid());
  janitor_.Watch(server, "lp_mp_child");
  kill(server, SIGKILL);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitNodeFailed) << child.output();
  EXPECT_THAT(child.output(), HasSubstr(absl::StrCat("its fork server (pid ", server,
                                                     ") ended before it; its exit status "
                                                     "is unknown")));
  EXPECT_THAT(testing::WaitUntilGone(Values(pids), kGenerous), ::testing::IsEmpty());
}

// The server forwards each worker's raw exit status: a thrown exception, an exit code
// and a signal end the launch with the same report, and the same exit code, as when the
// launcher execs the workers itself and reaps them.
TEST_F(LocalMpTest, FailuresAreReportedAlikeWhetherWorkersAreForkedOrExecd) {
  for (const std::string mode : {"throw", "exit7", "segv"}) {
    ChildProcess forked({Child(), "--mode=" + mode});
    ChildProcess execd({Child(), "--mode=" + mode, "--lp_fork_server=false"});
    EXPECT_EQ(ExitCodeOf(forked.WaitForExit(kGenerous)), kExitNodeFailed) << forked.output();
    EXPECT_EQ(ExitCodeOf(execd.WaitForExit(kGenerous)), kExitNodeFailed) << execd.output();
    const std::string report = FailureReport(forked.output());
    EXPECT_THAT(report, HasSubstr("node crasher/0 failed: ")) << forked.output();
    EXPECT_EQ(report, FailureReport(execd.output())) << mode;
  }
}

TEST_F(LocalMpTest, AGroupWithAWrapperIsExecdAndSaysWhy) {
  ChildProcess child({Child(), "--mode=config"}, {"LP_DEBUG=1"});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  // (A ThreadSanitizer build execs every worker, and says that first.)
  EXPECT_THAT(child.output(),
              HasSubstr(absl::StrCat("lp: debug: the workers of group 'configured' are "
                                     "exec'd, not forked: ",
                                     ForkServerExpected() ? "the group has a wrapper"
                                                          : "ThreadSanitizer does not support",
                                     ForkServerExpected() ? "\n" : "")));
  if (ForkServerExpected()) {
    EXPECT_THAT(child.output(), Not(HasSubstr("group 'plain' are exec'd")));
  }
}

// A fork copies only the thread that forks: a process with other threads cannot serve.
TEST_F(LocalMpTest, AMainThatStartedThreadsBeforeLaunchHasItsWorkersExecd) {
  ChildProcess child({Child(), "--mode=wait", "--thread_before_launch"}, {"LP_DEBUG=1"});
  const auto pids = WaitForNodes(child, {"waiter/0", "waiter/1"});
  ASSERT_EQ(pids.size(), 2u) << child.output();
  for (const auto& [node, pid] : pids) EXPECT_EQ(testing::ParentOf(pid), child.pid()) << node;
  const std::string why = ForkServerExpected()
                              ? "main() had started 1 other thread(s) when it reached lp::Launch"
                              : "ThreadSanitizer";
  EXPECT_THAT(child.output(), HasSubstr("lp: debug: the workers of group 'waiter' are exec'd, "
                                        "not forked: " + why));
  child.Signal(SIGINT);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  ExpectEveryWaiterStoppedCleanly(child.output());
}

// ---------------------------------------------------------------------------------------
// The coordinator.

std::map<std::string, std::string> EnvironmentOf(pid_t pid) {
  std::ifstream file(absl::StrCat("/proc/", pid, "/environ"), std::ios::binary);
  const std::string raw((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::map<std::string, std::string> environment;
  for (absl::string_view entry : absl::StrSplit(raw, '\0', absl::SkipEmpty())) {
    const size_t equals = entry.find('=');
    if (equals == absl::string_view::npos) continue;
    environment[std::string(entry.substr(0, equals))] = std::string(entry.substr(equals + 1));
  }
  return environment;
}

TEST_F(LocalMpTest, CoordinatorRefusesCallsWithoutTheToken) {
  ChildProcess child({Child(), "--mode=wait"});
  auto pids = WaitForNodes(child, {"waiter/0", "waiter/1"});
  ASSERT_EQ(pids.size(), 2u) << child.output();
  std::map<std::string, std::string> environment = EnvironmentOf(pids["waiter/0"]);
  const std::string address = environment["LP_COORDINATOR_ADDRESS"];
  const std::string token = environment["LP_COORDINATOR_TOKEN"];
  ASSERT_FALSE(address.empty());
  ASSERT_FALSE(token.empty());

  auto stub = coordinator::Coordinator::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  for (const char* presented : {"", "not-the-token"}) {
    grpc::ClientContext context;
    if (*presented != '\0') context.AddMetadata("lp-token", presented);
    context.set_deadline(absl::ToChronoTime(absl::Now() + kGenerous));
    coordinator::StopRequest request;
    request.set_reason("an intruder");
    coordinator::StopResponse response;
    const grpc::Status status = stub->RequestStop(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
    EXPECT_THAT(status.error_message(), Not(HasSubstr(token)));
  }
  {
    // The same call with the token is accepted: the refusal was about the token.
    grpc::ClientContext context;
    context.AddMetadata("lp-token", token);
    context.set_deadline(absl::ToChronoTime(absl::Now() + kGenerous));
    coordinator::ResolveRequest request;
    request.mutable_node()->set_group("waiter");
    request.set_endpoint("nothing-published-here");
    coordinator::ResolveResponse response;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Milliseconds(200)));
    const grpc::Status status = stub->Resolve(&context, request, &response);
    EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
  }
  // The refused stop request did not stop the program.
  EXPECT_THAT(child.output(), Not(HasSubstr("stop handler")));
  EXPECT_FALSE(child.WaitForExit(absl::Milliseconds(100)).has_value());
  child.Signal(SIGTERM);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  EXPECT_THAT(child.output(), Not(HasSubstr("an intruder")));
}

// ---------------------------------------------------------------------------------------
// The launch's Courier secret.

// The two addresses lp_mp_child --mode=secret prints: its echo node's and its public node's.
std::pair<std::string, std::string> SecretModeAddresses(const std::string& output) {
  std::smatch match;
  if (!std::regex_search(output, match, std::regex("addresses (\\S+) (\\S+)\n"))) return {};
  return {match[1], match[2]};
}

TEST_F(LocalMpTest, CourierCallsWithoutTheLaunchsSecretAreRefusedAndWithItWork) {
  // The secret an outside client is given on purpose: chosen by the user for the launch.
  const std::string secret = "lp-test-secret-0123456789abcdef";
  ChildProcess child({Child(), "--mode=secret"}, {"LP_COURIER_SECRET=" + secret});
  ASSERT_TRUE(WaitForLine(child, "addresses ")) << child.output();
  // The program's own nodes, in processes of their own, call each other as before.
  EXPECT_THAT(child.output(), HasSubstr("[caller/0] caller got S:hi P:hi\n"));
  const auto [echo, open] = SecretModeAddresses(child.output());
  ASSERT_FALSE(echo.empty()) << child.output();

  const absl::StatusOr<std::string> without =
      testing::CallFromOutside(echo, "", "Say", "x", kGenerous);
  EXPECT_EQ(without.status().code(), absl::StatusCode::kUnauthenticated) << without.status();
  EXPECT_THAT(without.status().message(),
              AllOf(HasSubstr("call to node echo/0 lacks the launch's secret (gRPC metadata "
                              "'lp-secret')"),
                    HasSubstr("LP_COURIER_SECRET")));
  const absl::StatusOr<std::string> wrong =
      testing::CallFromOutside(echo, "not-the-secret-0123456789", "Say", "x", kGenerous);
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kUnauthenticated) << wrong.status();
  EXPECT_THAT(wrong.status().message(),
              AllOf(HasSubstr("node echo/0"), HasSubstr("not its launch's"),
                    Not(HasSubstr(secret))));

  EXPECT_EQ(testing::CallFromOutside(echo, secret, "Say", "x", kGenerous).value_or("error"),
            "S:x");
  // A public node takes calls from anyone.
  EXPECT_EQ(testing::CallFromOutside(open, "", "Say", "x", kGenerous).value_or("error"), "P:x");

  child.Signal(SIGTERM);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
}

TEST_F(LocalMpTest, ALaunchWithoutAChosenSecretMakesItsOwn) {
  ChildProcess child({Child(), "--mode=secret"});
  ASSERT_TRUE(WaitForLine(child, "addresses ")) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("[caller/0] caller got S:hi P:hi\n"));
  const auto [echo, open] = SecretModeAddresses(child.output());
  ASSERT_FALSE(echo.empty()) << child.output();
  EXPECT_EQ(testing::CallFromOutside(echo, "", "Say", "x", kGenerous).status().code(),
            absl::StatusCode::kUnauthenticated);
  child.Signal(SIGTERM);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
}

TEST_F(LocalMpTest, AChosenSecretThatCannotWorkIsALaunchError) {
  ChildProcess child({Child(), "--mode=secret"}, {"LP_COURIER_SECRET=hunter2"});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitLaunchError) << child.output();
  EXPECT_THAT(child.output(),
              AllOf(HasSubstr("could not be launched: the Courier secret in LP_COURIER_SECRET "
                              "has 7 characters"),
                    Not(HasSubstr("hunter2"))));
}

// ---------------------------------------------------------------------------------------
// gRPC's callback threads.

// gRPC 1.51 runs two threads for its callback API in any process that uses it, and they
// wake about ten times a second each however idle the process is. A worker runs none:
// serving calls and making synchronous ones do not use that API, and the replies of its
// asynchronous calls and its stop watch's stream are read through a queue of lp's
// (rpc::ClientQueue), whose one thread sleeps while idle, so every worker has it from its
// start (docs/performance.md, "A worker without gRPC's callback threads", "Waiting threads
// read their own replies", "The stop watch reads on the reply queue"). The actor's future
// shows that the counts would see them.
TEST_F(LocalMpTest, WorkersRunNoGrpcCallbackThreadsAndOneReplyThread) {
  ChildProcess child({Child(), "--mode=callback_threads"});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  std::smatch match;
  const std::string output = child.output();
  ASSERT_TRUE(std::regex_search(
      output, match,
      std::regex("callback threads: learner (\\d+) (\\d+), actor (\\d+) then (\\d+); "
                 "reply threads (\\d+) then (\\d+)\n")))
      << output;
  EXPECT_EQ(match[1], "0") << "the learner, serving the actor's synchronous calls";
  EXPECT_EQ(match[2], "0") << "the learner, serving the actor's future";
  EXPECT_EQ(match[3], "0") << "the actor, having made synchronous calls only";
  EXPECT_EQ(match[4], "0") << "the actor, after its future";
  EXPECT_EQ(match[5], "1") << "the actor's reply threads, having made synchronous calls only";
  EXPECT_EQ(match[6], "1") << "the actor's reply threads, after its future";
}

// ---------------------------------------------------------------------------------------
// malloc arenas.

// Whether the nodes allocate with glibc's malloc: the sanitizers bring allocators of their
// own, which have no arenas to limit.
bool GlibcMalloc() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return false;
#else
  return true;
#endif
}

// The arenas and CPUs the allocator node printed.
std::pair<int, int> ArenasAndCpus(const std::string& output) {
  std::smatch match;
  if (!std::regex_search(output, match, std::regex("malloc arenas (-?\\d+) cpus (\\d+)\n"))) {
    return {-1, -1};
  }
  return {std::stoi(match[1]), std::stoi(match[2])};
}

// glibc would give a worker up to eight arenas per CPU; its threads mostly wait, and each
// arena costs system calls and faults to make and page tables to tear down at the exit
// (docs/performance.md, "Fewer malloc arenas per worker").
TEST_F(LocalMpTest, WorkersMakeNoMoreMallocArenasThanTheyHaveCpus) {
  if (!GlibcMalloc()) GTEST_SKIP() << "a sanitizer's allocator stands in for glibc's malloc";
  ChildProcess child({Child(), "--mode=malloc_arenas"});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  const auto [arenas, cpus] = ArenasAndCpus(child.output());
  ASSERT_GT(arenas, 0) << child.output();
  EXPECT_LE(arenas, std::max(2, cpus)) << child.output();
}

// The user's own choice stands. (On a machine of fewer than 3 CPUs it also shows that the
// node's threads would make more arenas than lp lets them: 14 with glibc's default limit.)
TEST_F(LocalMpTest, WorkersKeepTheMallocArenaLimitTheUserSet) {
  if (!GlibcMalloc()) GTEST_SKIP() << "a sanitizer's allocator stands in for glibc's malloc";
  ChildProcess child({Child(), "--mode=malloc_arenas"}, {"MALLOC_ARENA_MAX=3"});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  EXPECT_EQ(ArenasAndCpus(child.output()).first, 3) << child.output();
}

// The loader binds a program's calls into shared libraries once, in the fork server, not
// in every worker as each first makes them (docs/performance.md, "Where a launch of 100
// spends its CPU"); the workers' environment stays the launcher's.
TEST_F(LocalMpTest, TheForkServerBindsSymbolsOnceAndWorkersKeepTheLaunchersEnvironment) {
  if (!ForkServerExpected()) GTEST_SKIP() << "no fork server under ThreadSanitizer";
  ChildProcess child({Child(), "--mode=bind_now"});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  EXPECT_THAT(child.output(),
              HasSubstr("[binder/0] bind now: server 1 worker none marker none\n"));
}

TEST_F(LocalMpTest, WorkersKeepTheLdBindNowTheUserSet) {
  if (!ForkServerExpected()) GTEST_SKIP() << "no fork server under ThreadSanitizer";
  ChildProcess child({Child(), "--mode=bind_now"}, {"LD_BIND_NOW=yes"});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  EXPECT_THAT(child.output(),
              HasSubstr("[binder/0] bind now: server yes worker yes marker none\n"));
}

// ---------------------------------------------------------------------------------------
// Several programs from one main().

TEST_F(LocalMpTest, ProgramsLaunchedOneAfterAnotherEachRunTheirOwnWorkers) {
  ChildProcess child({Child(), "--mode=sweep"});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("[caller/0] caller of sweep_a got A:hi\n"));
  EXPECT_THAT(child.output(), HasSubstr("[caller/0] caller of sweep_b got B:hi\n"));
  const size_t a = child.output().find("\nsweep: program sweep_a ended: OK\n");
  const size_t b = child.output().find("\nsweep: program sweep_b ended: OK\n");
  ASSERT_NE(a, std::string::npos) << child.output();
  ASSERT_NE(b, std::string::npos) << child.output();
  EXPECT_LT(a, b);
  EXPECT_THAT(child.output(), Not(HasSubstr("failed")));
}

}  // namespace
}  // namespace lp
