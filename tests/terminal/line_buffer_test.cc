#include "src/terminal/line_buffer.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lp::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(LineBufferTest, JoinsPiecesIntoLines) {
  LineBuffer buffer(100);
  EXPECT_THAT(buffer.Append("hel"), IsEmpty());
  EXPECT_THAT(buffer.Append("lo\nwor"), ElementsAre("hello"));
  EXPECT_THAT(buffer.Append("ld\n\nlast"), ElementsAre("world", ""));
  EXPECT_THAT(buffer.Finish(), ElementsAre("last"));
  EXPECT_THAT(buffer.Finish(), IsEmpty());
}

TEST(LineBufferTest, CutsLongLines) {
  LineBuffer buffer(4);
  EXPECT_THAT(buffer.Append("abcdefghij"), ElementsAre("abcd", "efgh"));
  EXPECT_THAT(buffer.Append("\n"), ElementsAre("ij"));
  // A line of exactly the limit is one line, not a piece and an empty line.
  EXPECT_THAT(buffer.Append("wxyz\n"), ElementsAre("wxyz"));
}

TEST(RecentLinesTest, KeepsTheLastOnes) {
  RecentLines recent(2);
  recent.Add("a");
  recent.Add("b");
  recent.Add("c");
  EXPECT_THAT(recent.Get(), ElementsAre("b", "c"));
}

}  // namespace
}  // namespace lp::internal
