// Workers tell the launcher why they end.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lp/event.h"
#include "tests/coordinator/coordinator_fixture.h"

namespace lp::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

ExitReport Ended(NodeId node) {
  ExitReport report;
  report.node = std::move(node);
  return report;
}

TEST_F(CoordinatorTest, ExitReportReachesTheLauncher) {
  Event reported;
  ExitReport heard;
  CoordinatorHooks hooks;
  hooks.on_exit_report = [&](const ExitReport& report) {
    heard = report;
    reported.Notify();
  };
  StartServer(Workers(2), std::move(hooks));
  ExitReport report;
  report.node = NodeId{"worker", 1};
  report.exit_code = 1;
  report.message = "std::runtime_error: bad config at line 3";
  report.last_output_lines = {"loading config", "parsing line 3"};
  ASSERT_TRUE(NewClient()->ReportExit(report).ok());

  ASSERT_TRUE(reported.WaitFor(kPatience));
  EXPECT_EQ(heard.node, (NodeId{"worker", 1}));
  EXPECT_EQ(heard.message, report.message);

  std::optional<ExitReport> recorded = server_->nodes().ExitReportOf(NodeId{"worker", 1});
  ASSERT_TRUE(recorded.has_value());
  EXPECT_TRUE(recorded->failed());
  EXPECT_EQ(recorded->exit_code, 1);
  EXPECT_THAT(recorded->last_output_lines, ElementsAre("loading config", "parsing line 3"));
  const std::string described = recorded->Describe();
  EXPECT_THAT(described, HasSubstr("node worker/1 failed (exit code 1)"));
  EXPECT_THAT(described, HasSubstr("bad config at line 3"));
  EXPECT_THAT(described, HasSubstr("parsing line 3"));
  EXPECT_FALSE(server_->nodes().ExitReportOf(NodeId{"worker", 0}).has_value());
  EXPECT_EQ(server_->nodes().ExitReports().size(), 1u);
}

TEST_F(CoordinatorTest, CleanExitIsNotAFailure) {
  StartServer(Workers(1));
  ASSERT_TRUE(NewClient()->ReportExit(Ended(NodeId{"worker", 0})).ok());
  std::optional<ExitReport> recorded = server_->nodes().ExitReportOf(NodeId{"worker", 0});
  ASSERT_TRUE(recorded.has_value());
  EXPECT_FALSE(recorded->failed());
  EXPECT_EQ(recorded->Describe(), "node worker/0 ended");
}

TEST_F(CoordinatorTest, ExitReportOfUnknownNodeIsNotFound) {
  StartServer(Workers(1));
  EXPECT_EQ(NewClient()->ReportExit(Ended(NodeId{"ghost", 0})).code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace lp::internal
