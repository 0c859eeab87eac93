#include "src/core/worker_environment.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "absl/time/time.h"

namespace lp::internal {
namespace {

TEST(WorkerEnvironmentTest, ParsesNodeIds) {
  absl::StatusOr<NodeId> id = ParseNodeId("producer/12");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, (NodeId{"producer", 12}));
  absl::StatusOr<NodeId> nested = ParseNodeId("a/b/3");
  ASSERT_TRUE(nested.ok()) << nested.status();
  EXPECT_EQ(*nested, (NodeId{"a/b", 3}));
  EXPECT_EQ(ParseNodeId(NodeId{"x", 0}.ToString()).value(), (NodeId{"x", 0}));
  for (const char* bad : {"", "producer", "/3", "producer/", "producer/-1", "producer/x"}) {
    EXPECT_EQ(ParseNodeId(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(WorkerEnvironmentTest, MissingVariableIsNamed) {
  ::unsetenv("LP_TEST_SURELY_UNSET");
  absl::StatusOr<std::string> value = GetEnv("LP_TEST_SURELY_UNSET");
  EXPECT_EQ(value.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(value.status().message()), ::testing::HasSubstr("LP_TEST_SURELY_UNSET"));
  ::setenv("LP_TEST_SET", "v", 1);
  EXPECT_EQ(GetEnv("LP_TEST_SET").value(), "v");
}

// The launch identity a launcher puts in a worker's environment is the one the worker reads.
TEST(WorkerEnvironmentTest, LaunchIdentityRoundTrips) {
  const LaunchIdentity launch{.id = "lp-test-1234",
                              .start = absl::FromUnixMicros(1796128861622787)};
  for (const auto& [name, value] : LaunchIdentityEnvironment(launch)) {
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  ::setenv(kNodeEnv, "learner/0", 1);
  ::setenv(kLaunchIndexEnv, "2", 1);
  ::setenv(kLaunchTypeEnv, "local_mp", 1);
  absl::StatusOr<std::optional<WorkerAssignment>> assignment = WorkerAssignmentFromEnvironment();
  ASSERT_TRUE(assignment.ok()) << assignment.status();
  ASSERT_TRUE(assignment->has_value());
  EXPECT_EQ((*assignment)->node, (NodeId{"learner", 0}));
  EXPECT_EQ((*assignment)->launch_index, 2);
  EXPECT_EQ((*assignment)->launch_type, LaunchType::kLocalMp);
  EXPECT_EQ((*assignment)->launch.id, launch.id);
  EXPECT_EQ((*assignment)->launch.start, launch.start);

  ::setenv(kLaunchStartEnv, "yesterday", 1);
  EXPECT_THAT(std::string(WorkerAssignmentFromEnvironment().status().message()),
              ::testing::HasSubstr(kLaunchStartEnv));
  ::unsetenv(kNodeEnv);
}

// A group's args reach a Python node's script word for word, whatever they contain.
TEST(WorkerEnvironmentTest, GroupArgsRoundTrip) {
  const std::map<std::string, std::string> args = {
      {"plain", "32"}, {"spaces", "a b"}, {"lines", "one\ntwo"}, {"quotes", "\"'\\"},
      {"empty", ""}, {"utf8", "caf\xc3\xa9"}};
  ::setenv(kGroupArgsEnv, EncodeGroupArgs(args).c_str(), 1);
  std::vector<std::string> expected;
  for (const auto& [key, value] : args) expected.push_back("--" + key + "=" + value);
  EXPECT_EQ(GroupArgsFromEnvironment(), expected);
  ::unsetenv(kGroupArgsEnv);
  EXPECT_TRUE(GroupArgsFromEnvironment().empty());
}

// The coordinator's address: given whole, or (under Slurm) as a port on the launch host.
TEST(WorkerEnvironmentTest, CoordinatorAddressFromEitherForm) {
  ::unsetenv(kCoordinatorAddressEnv);
  ::unsetenv(kCoordinatorPortEnv);
  ::unsetenv(kSlurmLaunchHostEnv);
  EXPECT_EQ(CoordinatorAddressFromEnvironment().status().code(), absl::StatusCode::kNotFound);
  ::setenv(kCoordinatorPortEnv, "4242", 1);
  ::setenv(kSlurmLaunchHostEnv, "10.0.0.7", 1);
  EXPECT_EQ(CoordinatorAddressFromEnvironment().value(), "10.0.0.7:4242");
  ::setenv(kCoordinatorAddressEnv, "127.0.0.1:99", 1);
  EXPECT_EQ(CoordinatorAddressFromEnvironment().value(), "127.0.0.1:99");
  ::unsetenv(kCoordinatorAddressEnv);
  ::setenv(kCoordinatorPortEnv, "70000", 1);
  EXPECT_EQ(CoordinatorAddressFromEnvironment().status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lp::internal
