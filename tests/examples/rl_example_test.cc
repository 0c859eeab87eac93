// examples/rl as a user runs it: a replay node, a learner, C++ actors and a Python actor
// (lp::PythonNode on Debian's /usr/bin/python3). The run must end with exit 0 after the
// learner's last step, the learned weights closer to the truth than where they started,
// and experience from both kinds of actor sampled by the learner.

#include <regex>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/launch/launch_test_util.h"
#include "tests/support/child_process.h"

namespace lp {
namespace {

using ::lp::testing::BuildDir;
using ::lp::testing::ChildProcess;
using ::lp::testing::ExitCodeOf;
using ::lp::testing::kGenerous;
using ::testing::HasSubstr;
using ::testing::Not;

class RlExampleTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RlExampleTest, LearnsFromCppAndPythonActorsAndStopsCleanly) {
  ChildProcess child({BuildDir() + "/examples/rl", "--lp_launch_type=" + GetParam(),
                      "--steps=150", "--cpp_actors=2", "--python_actors=2",
                      "--lp_termination_notice_secs=600"});
  ASSERT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  const std::string& output = child.output();

  std::smatch done;
  ASSERT_TRUE(std::regex_search(
      output, done,
      std::regex(R"(learner: done after [0-9]+ steps on host \S+: distance to w\* ([0-9.]+) )"
                 R"(\(from ([0-9.]+)\))")))
      << output;
  double final_distance = 0, start_distance = 0;
  ASSERT_TRUE(absl::SimpleAtod(done[1].str(), &final_distance));
  ASSERT_TRUE(absl::SimpleAtod(done[2].str(), &start_distance));
  // 150 steps of 32 items at rate 0.05 bring w most of the way from 0 to w*.
  EXPECT_LT(final_distance, start_distance / 2) << output;

  EXPECT_THAT(output, HasSubstr("items from cpp actor actor/")) << output;
  EXPECT_THAT(output, HasSubstr("items from python actor python_actor/")) << output;
  // Each Python actor saw the stop and ended by itself, after inserting something.
  EXPECT_TRUE(std::regex_search(output, std::regex(R"(python_actor/0.*inserted [1-9]\d* )")))
      << output;
  EXPECT_TRUE(std::regex_search(output, std::regex(R"(python_actor/1.*inserted [1-9]\d* )")))
      << output;
  EXPECT_THAT(output, Not(HasSubstr("failed"))) << output;
}

INSTANTIATE_TEST_SUITE_P(LaunchTypes, RlExampleTest, ::testing::Values("local_mp", "local_mt"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lp
