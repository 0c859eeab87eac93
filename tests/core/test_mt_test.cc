// test_mt: inside a GoogleTest test, a failing node fails the test (not the test binary),
// and every node is stopped and joined when the test ends, however it ends.
//
// The DISABLED_ tests are the subjects: the real tests run this binary again on one of
// them and read the verdict GoogleTest printed.

#include <sys/wait.h>

#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"
#include "lp/lp.h"
#include "tests/support/child_process.h"

namespace lp {
namespace {

using ::testing::HasSubstr;

const LaunchOptions kTestMt{.launch_type = LaunchType::kTestMt};

// A program with a node that waits for the stop and says so when it returns.
Program WaitingProgram(const std::string& name) {
  Program program(name);
  program.AddNode(FunctionNode([name] {
                    WaitForStop();
                    std::cout << "node of " + name + " stopped and returned\n" << std::flush;
                  }),
                  "waiter");
  return program;
}

TEST(TestMtSubject, DISABLED_NodeFailure) {
  Program program("failing");
  program.AddNode(FunctionNode([] { throw std::runtime_error("kaput"); }), "bad");
  program.AddNode(FunctionNode([] { WaitForStop(); }), "good");
  (void)Launch(std::move(program), kTestMt).Wait();
}

TEST(TestMtSubject, DISABLED_PassesAfterAFailedOne) { SUCCEED(); }

TEST(TestMtSubject, DISABLED_AssertionFailsWhileNodesRun) {
  Controller controller = Launch(WaitingProgram("asserting"), kTestMt);
  ASSERT_TRUE(false) << "deliberate assertion failure";
}

TEST(TestMtSubject, DISABLED_BodyThrowsWhileNodesRun) {
  Controller controller = Launch(WaitingProgram("throwing"), kTestMt);
  throw std::runtime_error("deliberate exception from the test body");
}

TEST(TestMtSubject, DISABLED_ControllerLeaked) {
  // Outlives the test (destroyed only at exit): only the end-of-test hook can stop this
  // program in time. A static rather than a leaked pointer, so LeakSanitizer stays quiet.
  static std::optional<Controller> leaked;
  leaked.emplace(Launch(WaitingProgram("leaked"), kTestMt));
}

// Runs one subject test in a child process and returns its output.
std::string RunSubject(const std::string& filter, int* exit_code) {
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  lp::testing::ChildProcess child({std::string(self, n > 0 ? n : 0),
                                   "--gtest_also_run_disabled_tests",
                                   "--gtest_filter=TestMtSubject." + filter});
  std::optional<int> status = child.WaitForExit(absl::Seconds(120));
  *exit_code = status.has_value() && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  return child.output();
}

TEST(TestMtTest, NodeFailureFailsTheTestInProcess) {
  EXPECT_NONFATAL_FAILURE_ON_ALL_THREADS(
      {
        Program program("in_process");
        program.AddNode(FunctionNode([] { throw std::runtime_error("kaput"); }), "bad");
        (void)Launch(std::move(program), kTestMt).Wait();
      },
      "program 'in_process': node bad/0 failed: kaput");
}

TEST(TestMtTest, NodeFailureFailsOnlyThatTest) {
  int exit_code = 0;
  const std::string output =
      RunSubject("DISABLED_NodeFailure:TestMtSubject.DISABLED_PassesAfterAFailedOne", &exit_code);
  EXPECT_EQ(exit_code, 1) << output;
  EXPECT_THAT(output, HasSubstr("program 'failing': node bad/0 failed: kaput"));
  EXPECT_THAT(output, HasSubstr("[  FAILED  ] TestMtSubject.DISABLED_NodeFailure"));
  // The binary went on to the next test.
  EXPECT_THAT(output, HasSubstr("[       OK ] TestMtSubject.DISABLED_PassesAfterAFailedOne"));
}

// The node's line must come before GoogleTest closes the test: the nodes were stopped
// and joined by the time the test ended.
void ExpectStoppedWithinTheTest(const std::string& output, const std::string& program,
                                const std::string& test_end) {
  const size_t stopped = output.find("node of " + program + " stopped and returned");
  const size_t ended = output.find(test_end);
  ASSERT_NE(stopped, std::string::npos) << output;
  ASSERT_NE(ended, std::string::npos) << output;
  EXPECT_LT(stopped, ended) << output;
}

TEST(TestMtTest, NodesAreJoinedWhenAnAssertionFails) {
  int exit_code = 0;
  const std::string output = RunSubject("DISABLED_AssertionFailsWhileNodesRun", &exit_code);
  EXPECT_EQ(exit_code, 1) << output;
  ExpectStoppedWithinTheTest(output, "asserting",
                             "[  FAILED  ] TestMtSubject.DISABLED_AssertionFailsWhileNodesRun");
}

TEST(TestMtTest, NodesAreJoinedWhenTheBodyThrows) {
  int exit_code = 0;
  const std::string output = RunSubject("DISABLED_BodyThrowsWhileNodesRun", &exit_code);
  EXPECT_EQ(exit_code, 1) << output;
  ExpectStoppedWithinTheTest(output, "throwing",
                             "[  FAILED  ] TestMtSubject.DISABLED_BodyThrowsWhileNodesRun");
}

TEST(TestMtTest, LeakedProgramIsStoppedAtTestEnd) {
  int exit_code = 0;
  const std::string output = RunSubject("DISABLED_ControllerLeaked", &exit_code);
  EXPECT_EQ(exit_code, 0) << output;
  ExpectStoppedWithinTheTest(output, "leaked", "[       OK ] TestMtSubject.DISABLED_ControllerLeaked");
}

}  // namespace
}  // namespace lp
