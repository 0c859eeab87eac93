// test_mp: processes inside a GoogleTest test. The test (the launcher) may call a node
// directly through its handle; a failing worker fails the test, not the test binary; and
// when the test ends every worker process is gone.
//
// The DISABLED_ tests are the subjects: the real tests run this binary again on one of
// them (each worker of a subject runs this binary a third time, on that subject alone)
// and read the verdict GoogleTest printed.

#include <sys/wait.h>
#include <unistd.h>

#include <iostream>
#include <stdexcept>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lp/lp.h"
#include "tests/launch/launch_test_util.h"
#include "tests/support/child_process.h"

namespace lp {
namespace {

using ::lp::testing::ChildProcess;
using ::lp::testing::kGenerous;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const LaunchOptions kTestMp{.launch_type = LaunchType::kTestMp};

class Adder {
 public:
  int Add(int a, int b) { return a + b; }
  int Pid() { return static_cast<int>(getpid()); }
};
LP_COURIER_METHODS(Adder, Add, Pid);

void Say(const std::string& line) { std::cout << line + "\n" << std::flush; }

void PrintPidAndWait() {
  Say(absl::StrCat("pid ", CurrentNode()->node.ToString(), " ", getpid()));
  WaitForStop();
}

void PrintPidAndThrow() {
  Say(absl::StrCat("pid ", CurrentNode()->node.ToString(), " ", getpid()));
  throw std::runtime_error("kaput");
}

TEST(TestMpTest, TheTestCallsACourierNodeThroughItsHandle) {
  Program program("adder");
  CourierHandle<Adder> handle = program.AddNode(CourierNode<Adder>(), "adder");
  Controller controller = Launch(std::move(program), kTestMp);
  CourierClient<Adder> adder = handle.Dereference();
  EXPECT_EQ(adder.Call(&Adder::Add, 2, 3), 5);
  // The node runs in a process of its own.
  const int pid = adder.Call(&Adder::Pid);
  EXPECT_NE(pid, getpid());
  controller.Stop();
  EXPECT_TRUE(controller.Wait().ok());
  EXPECT_THAT(testing::WaitUntilGone({pid}, absl::ZeroDuration()), IsEmpty());
}

class Caller {
 public:
  Caller(CourierClient<Adder> adder, int a) : adder_(std::move(adder)), a_(a) {}
  void Run() {
    const int sum = adder_.Call(&Adder::Add, a_, 1);
    Say(absl::StrCat(CurrentNode()->program_name, ": ", a_, " + 1 = ", sum));
    Stop();
  }

 private:
  CourierClient<Adder> adder_;
  int a_;
};

Program CallingProgram(const std::string& name, int a) {
  Program program(name);
  auto adder = program.AddNode(CourierNode<Adder>(), "adder");
  program.AddNode(ClassNode<Caller>(adder, a), "caller");
  return program;
}

TEST(TestMpTest, ProgramsLaunchedOneAfterAnotherInOneTest) {
  EXPECT_TRUE(Launch(CallingProgram("first", 10), kTestMp).Wait().ok());
  EXPECT_TRUE(Launch(CallingProgram("second", 20), kTestMp).Wait().ok());
  EXPECT_TRUE(Launch(CallingProgram("third", 30), kTestMp).Wait().ok());
}

// --- Subjects ---------------------------------------------------------------------------

TEST(TestMpSubject, DISABLED_WorkerFails) {
  Program program("failing");
  {
    auto group = program.Group("good");
    program.AddNode(FunctionNode(PrintPidAndWait));
    program.AddNode(FunctionNode(PrintPidAndWait));
  }
  program.AddNode(FunctionNode(PrintPidAndThrow), "bad");
  const absl::Status outcome = Launch(std::move(program), kTestMp).Wait();
  Say("outcome: " + outcome.ToString());
}

// The worker's pid, once its server answers: the node is surely running.
void AnnounceWorker(const CourierHandle<Adder>& handle) {
  Say(absl::StrCat("pid adder/0 ", handle.Dereference().Call(&Adder::Pid)));
}

TEST(TestMpSubject, DISABLED_AssertionFailsWhileNodesRun) {
  Program program("asserting");
  CourierHandle<Adder> handle = program.AddNode(CourierNode<Adder>(), "adder");
  Controller controller = Launch(std::move(program), kTestMp);
  AnnounceWorker(handle);
  ASSERT_TRUE(false) << "deliberate assertion failure";
}

TEST(TestMpSubject, DISABLED_ControllerLeaked) {
  Program program("leaked");
  CourierHandle<Adder> handle = program.AddNode(CourierNode<Adder>(), "adder");
  // Outlives the test (destroyed only at exit): only the end-of-test hook can stop this
  // program in time. A static rather than a leaked pointer, so LeakSanitizer stays quiet.
  static std::optional<Controller> leaked;
  leaked.emplace(Launch(std::move(program), kTestMp));
  AnnounceWorker(handle);
}

// Runs after another subject, so that the test binary is still alive while the real
// test looks at the workers of the subject before.
TEST(TestMpSubject, DISABLED_Linger) {
  Say("lingering");
  absl::SleepFor(absl::Seconds(120));
}

// Runs `subject` then Linger in a child process. After the subject's end, checks that the
// workers it printed (lines "pid <node> <pid>") are gone, and returns the output up to
// then; *passed tells the subject's verdict.
std::string RunSubject(const std::string& subject, int expected_workers, bool* passed) {
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  ChildProcess child({std::string(self, n > 0 ? n : 0), "--gtest_also_run_disabled_tests",
                      "--gtest_filter=TestMpSubject." + subject + ":TestMpSubject.DISABLED_Linger"});
  testing::ProcessJanitor janitor;
  EXPECT_TRUE(child.WaitForOutput("[ RUN      ] TestMpSubject.DISABLED_Linger", kGenerous * 2))
      << child.output();
  const std::string output = child.output();
  *passed = output.find("[       OK ] TestMpSubject." + subject) != std::string::npos;
  const std::map<std::string, pid_t> workers = testing::NodePids(output);
  std::vector<pid_t> pids;
  for (const auto& [node, pid] : workers) {
    pids.push_back(pid);
    janitor.Watch(pid, "test_mp_test");
  }
  EXPECT_EQ(static_cast<int>(workers.size()), expected_workers) << output;
  // Gone at the end of the test, not later: the next test is already running.
  EXPECT_THAT(testing::WaitUntilGone(pids, absl::ZeroDuration()), IsEmpty()) << output;
  return output;
}

TEST(TestMpTest, FailingWorkerFailsTheTestAndEveryWorkerIsGone) {
  bool passed = true;
  const std::string output = RunSubject("DISABLED_WorkerFails", 3, &passed);
  EXPECT_FALSE(passed) << output;
  EXPECT_THAT(output, HasSubstr("[  FAILED  ] TestMpSubject.DISABLED_WorkerFails"));
  EXPECT_THAT(output, HasSubstr("program 'failing': node bad/0 failed: kaput"));
  EXPECT_THAT(output, HasSubstr("outcome: ABORTED: node bad/0 failed: kaput"));
}

TEST(TestMpTest, WorkersAreGoneWhenAnAssertionFails) {
  bool passed = true;
  const std::string output = RunSubject("DISABLED_AssertionFailsWhileNodesRun", 1, &passed);
  EXPECT_FALSE(passed) << output;
  EXPECT_THAT(output, HasSubstr("deliberate assertion failure"));
}

TEST(TestMpTest, LeakedProgramIsStoppedAtTestEnd) {
  bool passed = false;
  const std::string output = RunSubject("DISABLED_ControllerLeaked", 1, &passed);
  EXPECT_TRUE(passed) << output;
}

}  // namespace
}  // namespace lp
