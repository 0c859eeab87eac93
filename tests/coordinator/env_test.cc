#include "src/coordinator/env.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

namespace lp::internal {
namespace {

TEST(EnvTest, ParsesNodeIds) {
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

TEST(EnvTest, MissingVariableIsNamed) {
  ::unsetenv("LP_TEST_SURELY_UNSET");
  absl::StatusOr<std::string> value = GetEnv("LP_TEST_SURELY_UNSET");
  EXPECT_EQ(value.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(value.status().message()), ::testing::HasSubstr("LP_TEST_SURELY_UNSET"));
  ::setenv("LP_TEST_SET", "v", 1);
  EXPECT_EQ(GetEnv("LP_TEST_SET").value(), "v");
}

}  // namespace
}  // namespace lp::internal
