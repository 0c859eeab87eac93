#ifndef LP_SRC_LAUNCH_TEST_HOOKS_H_
#define LP_SRC_LAUNCH_TEST_HOOKS_H_

// The seam between the runtime and a test framework, so that lp_core does not depend on
// GoogleTest: lp_gtest_main (src/testing/) installs the reporter and ends, at the end of
// each test, the test launches still running.

#include <functional>
#include <string>
#include <vector>

namespace lp::internal {

class Launcher;

using TestFailureReporter = std::function<void(const std::string& message)>;

// Installed by the test main; empty when none is (then test_* launch types are refused).
void SetTestFailureReporter(TestFailureReporter reporter);
bool HasTestFailureReporter();
// Reports a failure to the running test (thread-safe, may be called from node threads).
void ReportTestFailure(const std::string& message);

// test_mp runs the test binary again for each worker; the test main adjusts the command
// line so that the worker runs only the current test. Identity when none is installed.
using TestWorkerArgvAdjuster =
    std::function<std::vector<std::string>(std::vector<std::string> argv)>;
void SetTestWorkerArgvAdjuster(TestWorkerArgvAdjuster adjuster);
std::vector<std::string> AdjustTestWorkerArgv(std::vector<std::string> argv);

// Test launches register while running, so a test's end can stop and join any left.
void RegisterTestLaunch(Launcher* launcher);
void UnregisterTestLaunch(Launcher* launcher);
// Stops and waits for every registered test launch. Returns how many there were.
int StopAllTestLaunches();

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_TEST_HOOKS_H_
