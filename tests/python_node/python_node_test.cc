// lp::PythonNode with real interpreters (/usr/bin/python3) and real processes: the script's
// view of the program (handles, the stop, its name), how its end is judged, and the
// group's resources. Under local_mp and local_mt through python_node_child, whose
// outcome and output the tests read; under test_mp in this process.

#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lp/lp.h"
#include "src/launch/python_node.h"
#include "tests/launch/launch_test_util.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certificates.h"

namespace lp {
namespace {

using ::lp::testing::ChildProcess;
using ::lp::testing::kGenerous;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const std::string kScripts = LP_PYTHON_NODE_SCRIPTS;

struct ChildRun {
  int exit_code = -1;
  std::string output;
};

std::vector<std::string> ChildArgv(const std::string& mode, const std::string& launch_type) {
  return {testing::BuildDir() + "/tests/python_node/python_node_child", "--mode=" + mode,
          "--lp_launch_type=" + launch_type};
}

int ExitCodeOf(ChildProcess& child) {
  const std::optional<int> status = child.WaitForExit(kGenerous * 2);
  if (!status.has_value() || !WIFEXITED(*status)) return -1;
  return WEXITSTATUS(*status);
}

// Runs the child to its end.
ChildRun RunChild(const std::string& mode, const std::string& launch_type = "local_mp") {
  ChildProcess child(ChildArgv(mode, launch_type));
  ChildRun run;
  run.exit_code = ExitCodeOf(child);
  run.output = child.output();
  return run;
}

// Runs the child until its script printed `ready`, then stops the program with SIGINT
// (as Ctrl+C would) and runs it to its end.
ChildRun RunAndInterrupt(const std::string& mode, const std::string& launch_type,
                         const std::string& ready = "script waits for the stop") {
  ChildProcess child(ChildArgv(mode, launch_type));
  EXPECT_TRUE(child.WaitForOutput(ready, kGenerous)) << child.output();
  child.Signal(SIGINT);
  ChildRun run;
  run.exit_code = ExitCodeOf(child);
  run.output = child.output();
  return run;
}

// The pid ignore_stop.py prints ("pid python/0 <pid>"); 0 when it never came.
pid_t ScriptPid(ChildProcess& child) {
  int pid = 0;
  return absl::SimpleAtoi(child.WaitForMatch("pid python/0 ([0-9]+)", kGenerous), &pid) ? pid : 0;
}

class PythonNodeProcessTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PythonNodeProcessTest, ScriptStopsTheProgram) {
  const ChildRun run = RunChild("stop", GetParam());
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("script py/0 stops the program"));
  EXPECT_THAT(run.output, HasSubstr("script saw the stop"));
  EXPECT_THAT(run.output, HasSubstr("outcome: OK"));
}

TEST_P(PythonNodeProcessTest, ProgramStopReachesTheScriptWaitingForIt) {
  const ChildRun run = RunAndInterrupt("wait", GetParam());
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("script stopped cleanly"));
  EXPECT_THAT(run.output, HasSubstr("outcome: OK"));
}

TEST_P(PythonNodeProcessTest, ScriptThatIgnoresTheStopIsKilledAndTheProgramStopsCleanly) {
  ChildProcess child(ChildArgv("ignore", GetParam()));
  const pid_t pid = ScriptPid(child);
  ASSERT_GT(pid, 0) << child.output();
  ASSERT_TRUE(child.WaitForOutput("script waits for the stop", kGenerous)) << child.output();
  child.Signal(SIGINT);
  EXPECT_EQ(ExitCodeOf(child), 0) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("script ignores the stop"));
  EXPECT_THAT(child.output(), HasSubstr("ignore_stop.py did not exit within 1s of the stop; "
                                        "terminating it"));
  EXPECT_THAT(child.output(), HasSubstr("outcome: OK"));
  EXPECT_THAT(testing::WaitUntilGone({pid}, absl::ZeroDuration()), IsEmpty());
}

TEST_P(PythonNodeProcessTest, UncaughtExceptionFailsTheProgramNamingNodeScriptAndException) {
  const ChildRun run = RunChild("raise", GetParam());
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_THAT(run.output,
              HasSubstr(absl::StrCat("outcome: ABORTED: node py/0 failed: python script ",
                                     kScripts, "/raise_value_error.py raised ValueError: bad "
                                     "value 42 (the script exited with code 1)")));
  // The traceback and the output before it are the node's output.
  EXPECT_THAT(run.output, HasSubstr("script about to fail"));
  EXPECT_THAT(run.output, HasSubstr("Traceback (most recent call last)"));
}

TEST_P(PythonNodeProcessTest, NonZeroExitFailsTheProgramNamingTheCode) {
  const ChildRun run = RunChild("exit3", GetParam());
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr(absl::StrCat("outcome: ABORTED: node py/0 failed: python "
                                                 "script ", kScripts,
                                                 "/exit_3.py exited with code 3")));
  EXPECT_THAT(run.output, HasSubstr("script exits with 3"));
  EXPECT_THAT(run.output, Not(HasSubstr(" raised ")));
}

TEST_P(PythonNodeProcessTest, ScriptCallsACourierNodeThroughItsHandle) {
  const ChildRun run = RunChild("call", GetParam());
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("script: adder.Add(2, 3) = 5"));
  EXPECT_THAT(run.output, HasSubstr("outcome: OK"));
}

// The script's calls end by the stop with an exception it does not catch: judged as a C++
// node's calls are, a clean end.
TEST_P(PythonNodeProcessTest, ScriptEndedByTheStopInACallEndsCleanly) {
  const ChildRun run = RunAndInterrupt("calls", GetParam(), "script calls in a loop");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("outcome: OK"));
}

INSTANTIATE_TEST_SUITE_P(LaunchTypes, PythonNodeProcessTest,
                         ::testing::Values("local_mp", "local_mt"),
                         [](const auto& info) { return info.param; });

// Under mutual TLS the script's clients present the launch's certificate: the servers
// accept no other caller.
TEST(PythonNodeTest, ScriptCallsACourierNodeOverTls) {
  testing::TempDir dir("lp-python-node-tls");
  absl::StatusOr<TlsOptions> tls = testing::MakeTestCertificates(dir.path() + "/certs");
  ASSERT_TRUE(tls.ok()) << tls.status();
  std::vector<std::string> argv = ChildArgv("call", "local_mp");
  for (std::string& flag : testing::TlsFlags(*tls)) argv.push_back(std::move(flag));
  ChildProcess child(argv);
  EXPECT_EQ(ExitCodeOf(child), 0) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("script: adder.Add(2, 3) = 5"));
}

TEST(PythonNodeTest, GroupResourcesReachTheScript) {
  const ChildRun run = RunChild("resources");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  // The group's flag follows the node's own argument; the binary never saw it (its flag
  // parsing would have refused an unknown flag).
  EXPECT_THAT(run.output, HasSubstr("argv: --own=1 --batch_size=32\n"));
  EXPECT_THAT(run.output, HasSubstr("env: from the group\n"));
  EXPECT_THAT(run.output, HasSubstr("wrapped: yes\n"));
  EXPECT_THAT(run.output, HasSubstr("interpreter: <default>\n"));
  // A Launchpad program the script would start does not take itself for a worker.
  EXPECT_THAT(run.output, HasSubstr("worker variables: ''\n"));
}

TEST(PythonNodeTest, GroupEnvironmentChoosesTheInterpreter) {
  const ChildRun run = RunChild("venv");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("interpreter: fake_venv_python\n"));
}

// What the script's json.loads reads: names and addresses escaped as JSON strings.
TEST(PythonNodeTest, HandlesAreWrittenAsJson) {
  EXPECT_EQ(internal::HandlesJson({}), "{}");
  EXPECT_EQ(internal::HandlesJson({{"learner", {"learner/0", "10.0.0.1:4000"}},
                                   {"odd \"name\"\\\n", {"g/1", "[::1]:5"}}}),
            R"({"learner":{"address":"10.0.0.1:4000","node":"learner/0"},)"
            R"("odd \"name\"\\\n":{"address":"[::1]:5","node":"g/1"}})");
  // A name that is not UTF-8 cannot travel as JSON: its bad byte becomes U+FFFD.
  EXPECT_EQ(internal::HandlesJson({{"bad\xff", {"g/0", "h:1"}}}),
            "{\"bad\xef\xbf\xbd\":{\"address\":\"h:1\",\"node\":\"g/0\"}}");
}

// The script dies with its node's process: here the launcher, killed with SIGKILL (its
// worker, under local_mp, then kills its own tree; under local_mt the launcher is the
// script's parent).
TEST_P(PythonNodeProcessTest, ScriptDiesWhenTheLauncherIsKilled) {
  ChildProcess child(ChildArgv("ignore", GetParam()));
  const pid_t pid = ScriptPid(child);
  ASSERT_GT(pid, 0) << child.output();
  child.Signal(SIGKILL);
  (void)child.WaitForExit(kGenerous);
  EXPECT_THAT(testing::WaitUntilGone({pid}, kGenerous), IsEmpty()) << child.output();
}

class Adder {
 public:
  int Add(int a, int b) { return a + b; }
};
LP_COURIER_METHODS(Adder, Add);

TEST(PythonNodeTest, GraphHasEdgesToTheNodesOfTheHandles) {
  Program program("graph");
  CourierHandle<Adder> adder = program.AddNode(CourierNode<Adder>(), "adder");
  program.AddNode(PythonNode("actor.py", {{"adder", adder}}), "actor");
  EXPECT_THAT(program.ToDot(), HasSubstr("\"actor/0\" -> \"adder/0\""));
}

// --- test_mp ---------------------------------------------------------------------------------

const LaunchOptions kTestMp{.launch_type = LaunchType::kTestMp};

PythonNode Script(const std::string& name, std::vector<std::string> args = {}) {
  PythonNode node(kScripts + "/" + name, {}, std::move(args));
  node.SetInterpreter("/usr/bin/python3");
  return node;
}

TEST(PythonNodeTestMpTest, ScriptStopsTheProgram) {
  Program program("script_stops");
  program.AddNode(Script("stop_program.py"), "py");
  EXPECT_TRUE(Launch(std::move(program), kTestMp).Wait().ok());
}

TEST(PythonNodeTestMpTest, ProgramStopReachesTheScriptWaitingForIt) {
  testing::TempDir dir("lp-python-node");
  const std::string waiting = dir.path() + "/waiting";
  Program program("script_waits");
  program.AddNode(Script("wait_for_stop.py", {waiting}), "py");
  Controller controller = Launch(std::move(program), kTestMp);
  // The script creates the file once it waits: a stop before would not reach it running.
  const absl::Time deadline = absl::Now() + kGenerous;
  while (!std::filesystem::exists(waiting) && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_TRUE(std::filesystem::exists(waiting));
  controller.Stop();
  EXPECT_TRUE(controller.Wait().ok());
  // Seen by the script, not just ended by its terminating after the grace (also clean).
  EXPECT_TRUE(std::filesystem::exists(waiting + ".stopped"));
}

TEST(PythonNodeTestMpTest, ScriptCallsACourierNodeThroughItsHandle) {
  Program program("script_calls");
  CourierHandle<Adder> adder = program.AddNode(CourierNode<Adder>(), "adder");
  PythonNode script(kScripts + "/call_adder.py", {{"adder", adder}});
  script.SetInterpreter("/usr/bin/python3");
  program.AddNode(script, "py");
  EXPECT_TRUE(Launch(std::move(program), kTestMp).Wait().ok());
}

}  // namespace
}  // namespace lp
