// How messages write the termination notice.

#include "src/core/format_notice.h"

#include "gtest/gtest.h"

namespace lp::internal {
namespace {

TEST(FormatNoticeTest, ZeroIsWrittenInSeconds) {
  EXPECT_EQ(FormatNotice(absl::ZeroDuration()), "0s");
  EXPECT_EQ(FormatNotice(absl::Seconds(0.0)), "0s");  // --lp_termination_notice_secs=0
}

TEST(FormatNoticeTest, OtherNoticesAreWrittenAsAbseilWritesThem) {
  EXPECT_EQ(FormatNotice(absl::Seconds(2)), "2s");
  EXPECT_EQ(FormatNotice(absl::Seconds(1.5)), "1.5s");
  EXPECT_EQ(FormatNotice(absl::Milliseconds(250)), "250ms");
  EXPECT_EQ(FormatNotice(absl::Minutes(2)), "2m");
}

}  // namespace
}  // namespace lp::internal
