#include "src/coordinator/token.h"

#include <gtest/gtest.h>

namespace lp::internal {
namespace {

TEST(TokenTest, IsLongRandomHex) {
  absl::StatusOr<std::string> a = MakeToken();
  absl::StatusOr<std::string> b = MakeToken();
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(a->size(), 64u);  // 256 bits
  EXPECT_EQ(a->find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(*a, *b);
}

TEST(TokenTest, ComparesWholeTokens) {
  EXPECT_TRUE(TokensEqual("abc123", "abc123"));
  EXPECT_FALSE(TokensEqual("abc124", "abc123"));
  EXPECT_FALSE(TokensEqual("abc12", "abc123"));
  EXPECT_FALSE(TokensEqual("abc1234", "abc123"));
  EXPECT_FALSE(TokensEqual("", "abc123"));
  EXPECT_FALSE(TokensEqual(std::string("abc123\0", 7), "abc123"));
}

}  // namespace
}  // namespace lp::internal
