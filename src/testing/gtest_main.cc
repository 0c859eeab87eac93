// The main() of test binaries that launch programs (test_mt, test_mp).
//
// It connects the runtime to GoogleTest: a node failure becomes a failure of the running
// test (not a crash of the test binary); when a test ends every program it launched and
// did not clean up is stopped and joined; and test_mp workers — this binary run again —
// run only the test that launched them.

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "lp/flags.h"
#include "src/launch/launch_index.h"
#include "src/launch/test_hooks.h"

namespace {

class LaunchBookkeeping : public testing::EmptyTestEventListener {
  // Launches are numbered per test, so that a worker (which runs its test alone) finds
  // its program at the same index as the launcher did.
  void OnTestStart(const testing::TestInfo&) override { lp::internal::ResetLaunchIndex(); }
  void OnTestEnd(const testing::TestInfo&) override { lp::internal::StopAllTestLaunches(); }
};

// The worker's command line: the launcher's, selecting just the current test, writing
// no report file of its own.
std::vector<std::string> OnlyTheCurrentTest(std::vector<std::string> argv) {
  const testing::TestInfo* test = testing::UnitTest::GetInstance()->current_test_info();
  if (test == nullptr) return argv;
  std::vector<std::string> adjusted;
  for (std::string& arg : argv) {
    if (absl::StartsWith(arg, "--gtest_filter") || absl::StartsWith(arg, "--gtest_output") ||
        absl::StartsWith(arg, "--gtest_repeat") || absl::StartsWith(arg, "--gtest_shuffle")) {
      continue;
    }
    adjusted.push_back(std::move(arg));
  }
  adjusted.push_back(std::string("--gtest_filter=") + test->test_suite_name() + "." + test->name());
  adjusted.push_back("--gtest_also_run_disabled_tests");
  return adjusted;
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  // As in the programs the tests launch: a bad flag exits with kExitLaunchError.
  lp::ParseFlags(argc, argv);
  lp::internal::SetTestFailureReporter([](const std::string& message) {
    ADD_FAILURE() << message;
  });
  lp::internal::SetTestWorkerArgvAdjuster(OnlyTheCurrentTest);
  testing::UnitTest::GetInstance()->listeners().Append(new LaunchBookkeeping());
  return RUN_ALL_TESTS();
}
