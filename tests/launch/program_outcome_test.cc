// ProgramOutcome: which node a launch names, and when an end is clean.

#include "src/launch/program_outcome.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lp::internal {
namespace {

using ::testing::HasSubstr;
using Kind = NodeOutcome::Kind;

const NodeId kLearner{"learner", 0};
const NodeId kActor{"actor", 1};

std::string Describe(const NodeId& node, const std::string& cause) {
  return node.ToString() + ": " + cause;
}

TEST(ProgramOutcomeTest, AFailedCallBeforeTheCauseIsNotNamed) {
  ProgramOutcome outcome;
  // The actor's call broke before the learner's failure was recorded.
  EXPECT_TRUE(outcome.RecordNodeEnd(kActor, {Kind::kCallFailed, "UNAVAILABLE"}, false));
  EXPECT_TRUE(outcome.RecordNodeEnd(kLearner, {Kind::kFailed, "diverged"}, true));
  EXPECT_EQ(outcome.Final(Describe), absl::AbortedError("learner/0: diverged"));
}

TEST(ProgramOutcomeTest, TheFirstOwnFailureIsTheCause) {
  ProgramOutcome outcome;
  EXPECT_TRUE(outcome.RecordNodeEnd(kLearner, {Kind::kFailed, "first"}, false));
  EXPECT_TRUE(outcome.RecordNodeEnd(kActor, {Kind::kFailed, "second"}, true));
  EXPECT_EQ(outcome.Final(Describe).message(), "learner/0: first");
}

TEST(ProgramOutcomeTest, CallsThatFailOnceStoppingAndStopErrorsAreClean) {
  ProgramOutcome outcome;
  EXPECT_FALSE(outcome.RecordNodeEnd(kActor, {Kind::kCallFailed, "CANCELLED"}, true));
  EXPECT_FALSE(outcome.RecordNodeEnd(NodeId{"actor", 2}, {Kind::kStopped, "stopping"}, false));
  EXPECT_FALSE(outcome.RecordNodeEnd(kLearner, {}, true));
  EXPECT_TRUE(outcome.Final(Describe).ok());
  EXPECT_FALSE(outcome.HasNodeFailure());
}

TEST(ProgramOutcomeTest, AFailedCallIsNamedWhenNothingElseFailed) {
  ProgramOutcome outcome;
  EXPECT_TRUE(outcome.RecordNodeEnd(kActor, {Kind::kCallFailed, "learner/0 has ended"}, false));
  EXPECT_EQ(outcome.Final(Describe).message(), "actor/1: learner/0 has ended");
}

TEST(ProgramOutcomeTest, OnlyANodesFirstEndCounts) {
  ProgramOutcome outcome;
  EXPECT_FALSE(outcome.RecordNodeEnd(kLearner, {}, false));
  EXPECT_FALSE(outcome.RecordNodeEnd(kLearner, {Kind::kFailed, "late"}, false));
  EXPECT_TRUE(outcome.Final(Describe).ok());
}

TEST(ProgramOutcomeTest, LaunchErrorsComeFirstAndStragglersLast) {
  ProgramOutcome stragglers;
  stragglers.RecordStragglers(absl::DeadlineExceededError("killed actor/1"));
  EXPECT_EQ(stragglers.Final(Describe).code(), absl::StatusCode::kDeadlineExceeded);
  stragglers.RecordNodeEnd(kLearner, {Kind::kFailed, "boom"}, false);
  EXPECT_EQ(stragglers.Final(Describe).code(), absl::StatusCode::kAborted);
  stragglers.RecordLaunchError(absl::InvalidArgumentError("no such partition"));
  EXPECT_THAT(std::string(stragglers.Final(Describe).message()), HasSubstr("partition"));
}

}  // namespace
}  // namespace lp::internal
