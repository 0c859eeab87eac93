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

}  // namespace
}  // namespace lp::internal
