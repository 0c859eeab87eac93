#ifndef LP_TESTS_SUPPORT_ARGUMENTS_CHECKS_H_
#define LP_TESTS_SUPPORT_ARGUMENTS_CHECKS_H_

// What the "arguments travel" tests check in the output of the programs of
// arguments_program.h, whatever launched them (local_mp: tests/launch/arguments_test.cc;
// Slurm: tests/slurm/slurm_cluster_test.cc).

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/arguments_program.h"
#include "tests/support/temp_dir.h"

namespace lp_test_arguments {

// "travel": every node got the launcher's values, though every worker computed its own,
// and every node saw the same launch id.
inline void ExpectTravelled(const std::string& output) {
  const TravelOutput parsed = ParseTravelOutput(output);
  ASSERT_FALSE(parsed.launcher.empty()) << output;
  // Every worker ran main() again and computed values of its own (mkdtemp made each a
  // new directory)...
  ASSERT_FALSE(parsed.workers.empty()) << output;
  for (const std::string& worker : parsed.workers) EXPECT_NE(worker, parsed.launcher) << output;
  // ...yet every node, of every kind, got the launcher's.
  for (const char* node : kTravelNodes) {
    ASSERT_TRUE(parsed.got.contains(node)) << node << " did not report:\n" << output;
    EXPECT_EQ(parsed.got.at(node), parsed.launcher) << node << "\n" << output;
  }
  std::set<std::string> ids;
  for (const auto& [node, id] : parsed.launch) ids.insert(id);
  ASSERT_EQ(ids.size(), 1u) << output;
  EXPECT_THAT(*ids.begin(), ::testing::MatchesRegex("[0-9]{8}-[0-9]{6}-[0-9a-z]+"));
}

// "differs": the launch failed naming the node, the argument, its type, both values and
// what to do; no node ran, neither the one whose argument differs nor the others.
inline void ExpectDiffersExplained(const std::string& output) {
  using ::testing::HasSubstr;
  using ::testing::Not;
  EXPECT_THAT(output, HasSubstr("lp: program 'differs' failed: node checked/0"));
  EXPECT_THAT(output, HasSubstr("node checked/0 (FunctionNode): argument 0 (counting from 0; "
                                "type lp_test_arguments::ProcessName) differs from the "
                                "launcher's: the launcher has \"pid-"));
  EXPECT_THAT(output, HasSubstr("\", this worker computed \"pid-"));
  EXPECT_THAT(output, HasSubstr("lp::LaunchId()"));
  EXPECT_THAT(output, HasSubstr("LP_SERIALIZABLE"));
  // The int beside it travelled and is not mentioned; no node ran.
  EXPECT_THAT(output, Not(HasSubstr("argument 1")));
  EXPECT_THAT(output, Not(HasSubstr("ran checked/0")));
  EXPECT_THAT(output, Not(HasSubstr("ran bystander/")));
  // The bystanders were not failed: only checked/0 is.
  EXPECT_THAT(output, Not(HasSubstr("node bystander/")));
}

// "sweep": one id in every node of a launch, which main() sees after it; another for the
// next launch.
inline void ExpectOneIdPerLaunch(const std::string& output) {
  const SweepIds ids = ParseSweepOutput(output);
  ASSERT_EQ(ids.nodes.size(), 2u) << output;
  std::set<std::string> per_launch;
  for (const char* program : {"sweep_a", "sweep_b"}) {
    ASSERT_TRUE(ids.nodes.contains(program)) << output;
    const auto& nodes = ids.nodes.at(program);
    ASSERT_EQ(nodes.size(), 2u) << output;
    EXPECT_FALSE(nodes.at("first/0").empty()) << output;
    EXPECT_EQ(nodes.at("first/0"), nodes.at("second/0")) << output;
    ASSERT_TRUE(ids.launcher.contains(program)) << output;
    EXPECT_EQ(ids.launcher.at(program), nodes.at("first/0")) << output;
    per_launch.insert(nodes.at("first/0"));
  }
  EXPECT_EQ(per_launch.size(), 2u) << "two launches must have two ids\n" << output;
}

}  // namespace lp_test_arguments

#endif  // LP_TESTS_SUPPORT_ARGUMENTS_CHECKS_H_
