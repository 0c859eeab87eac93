// The main() of test binaries that launch programs (test_mt, test_mp).
//
// It connects the runtime to GoogleTest: a node failure becomes a failure of the running
// test (not a crash of the test binary), and when a test ends every program it launched
// and did not clean up is stopped and joined.

#include <string>

#include "absl/flags/parse.h"
#include "gtest/gtest.h"
#include "src/core/test_hooks.h"

namespace {

class StopLaunchesAtTestEnd : public testing::EmptyTestEventListener {
  void OnTestEnd(const testing::TestInfo&) override { lp::internal::StopAllTestLaunches(); }
};

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  absl::ParseCommandLine(argc, argv);
  lp::internal::SetTestFailureReporter([](const std::string& message) {
    ADD_FAILURE() << message;
  });
  testing::UnitTest::GetInstance()->listeners().Append(new StopLaunchesAtTestEnd());
  return RUN_ALL_TESTS();
}
