// How ReplayClient reports a failed call: the node's reply that the program is stopping
// (its tables closed at the stop; the payload that marks ProgramStoppedStatus does not
// cross the wire, the message does) becomes lp::ProgramStoppedError; nothing else does.

#include "gtest/gtest.h"
#include "lp/replay.h"
#include "lp/rpc_error.h"

namespace lp {
namespace {

// What a caller receives from the node: its ProgramStoppedStatus as gRPC carries it, the
// message prefixed with the method's name by the server.
absl::Status AsReceived(const absl::Status& sent) {
  return absl::Status(sent.code(), "Sample: " + std::string(sent.message()));
}

TEST(ReplayClientStatusTest, TheNodesStopReplyBecomesProgramStopped) {
  const absl::Status received = AsReceived(ProgramStoppedStatus("rl", "replay/0"));
  ASSERT_FALSE(IsProgramStopped(received));
  const absl::Status reported = internal::ReplayCallStatus(received);
  EXPECT_TRUE(IsProgramStopped(reported));
  EXPECT_EQ(reported.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(reported.message(), received.message());
  try {
    internal::ThrowReplayError(RpcError(received, "Sample"));
    ADD_FAILURE() << "did not throw";
  } catch (const ProgramStoppedError& error) {
    EXPECT_EQ(error.method(), "Sample");
  }
}

TEST(ReplayClientStatusTest, OtherErrorsStayAsTheyAre) {
  for (const absl::Status& status :
       {absl::CancelledError("cancelled by the caller"), absl::DeadlineExceededError("late"),
        absl::InvalidArgumentError("program 'x' is stopping, said the argument")}) {
    EXPECT_FALSE(IsProgramStopped(internal::ReplayCallStatus(status))) << status;
    EXPECT_EQ(internal::ReplayCallStatus(status), status);
  }
}

}  // namespace
}  // namespace lp
