// Message limits of a CourierNode program, per client (CourierHandle::WithMessageLimits)
// and per node (CourierServerOptions): a message over a limit fails its one call with
// RESOURCE_EXHAUSTED, and the same client's next call works. test_mt programs, real sockets.

#include <cstdint>
#include <string>
#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lp/lp.h"

namespace lp {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr int kMiB = 1 << 20;

class Learner {
 public:
  std::string Weights(int64_t bytes) { return std::string(static_cast<size_t>(bytes), 'w'); }
  int64_t Insert(const std::string& trajectory) {
    return static_cast<int64_t>(trajectory.size());
  }
};
LP_COURIER_METHODS(Learner, Weights, Insert);

// Runs `call` and returns the RpcError it threw (OK if it threw none).
template <typename F>
absl::Status ErrorOf(F call) {
  try {
    call();
  } catch (const RpcError& error) {
    return error.status();
  }
  return absl::OkStatus();
}

TEST(CourierNodeLimitsTest, AClientsReceiveLimitFailsTheBigReplyAndOnlyForThatClient) {
  Program program("limits");
  CourierHandle<Learner> learner = program.AddNode(CourierNode<Learner>(), "learner");
  Controller controller = Launch(std::move(program), {.launch_type = LaunchType::kTestMt});
  CourierClient<Learner> bounded =
      learner.WithMessageLimits({.max_receive_message_bytes = kMiB}).Dereference();
  const absl::Status refused = ErrorOf([&] { bounded.Call(&Learner::Weights, 2 * kMiB); });
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  EXPECT_EQ(bounded.Call(&Learner::Weights, 1000).size(), 1000u);  // the next call works
  // Other clients of the same node keep the default.
  EXPECT_EQ(learner.Dereference().Call(&Learner::Weights, 2 * kMiB).size(), 2u * kMiB);
  controller.Stop();
  EXPECT_TRUE(controller.Wait().ok());
}

TEST(CourierNodeLimitsTest, AClientsSendLimitFailsTheBigRequestBeforeSendingItNamingIt) {
  Program program("limits");
  CourierHandle<Learner> learner = program.AddNode(CourierNode<Learner>(), "learner");
  Controller controller = Launch(std::move(program), {.launch_type = LaunchType::kTestMt});
  CourierClient<Learner> bounded =
      learner.WithMessageLimits({.max_send_message_bytes = kMiB}).Dereference();
  const absl::Status refused =
      ErrorOf([&] { bounded.Call(&Learner::Insert, std::string(2 * kMiB, 't')); });
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  EXPECT_THAT(refused.message(), AllOf(HasSubstr("'Insert'"), HasSubstr("max_send_message_bytes")));
  EXPECT_EQ(bounded.Call(&Learner::Insert, std::string(1000, 't')), 1000);
  controller.Stop();
  EXPECT_TRUE(controller.Wait().ok());
}

// The RL shape: the limits given with the handle hold inside the node that got it.
class Actor {
 public:
  explicit Actor(CourierClient<Learner> learner) : learner_(std::move(learner)) {}
  // "<code of the big call> <size of the small one>"
  std::string Try(int64_t big, int64_t small) {
    const absl::Status status = ErrorOf([&] { learner_.Call(&Learner::Weights, big); });
    return std::string(absl::StatusCodeToString(status.code())) + " " +
           std::to_string(learner_.Call(&Learner::Weights, small).size());
  }

 private:
  CourierClient<Learner> learner_;
};
LP_COURIER_METHODS(Actor, Try);

TEST(CourierNodeLimitsTest, LimitsGivenWithAHandleHoldInTheNodeThatGetsIt) {
  Program program("limits");
  CourierHandle<Learner> learner = program.AddNode(CourierNode<Learner>(), "learner");
  CourierHandle<Actor> actor = program.AddNode(
      CourierNode<Actor>(learner.WithMessageLimits({.max_receive_message_bytes = kMiB})),
      "actor");
  Controller controller = Launch(std::move(program), {.launch_type = LaunchType::kTestMt});
  EXPECT_EQ(actor.Dereference().Call(&Actor::Try, 2 * kMiB, 10), "RESOURCE_EXHAUSTED 10");
  controller.Stop();
  EXPECT_TRUE(controller.Wait().ok());
}

TEST(CourierNodeLimitsTest, ANodesReceiveLimitRefusesTheBigRequestAndServesTheNext) {
  Program program("limits");
  CourierNode<Learner> node;
  node.SetServerOptions({.max_receive_message_bytes = kMiB});
  CourierHandle<Learner> learner = program.AddNode(node, "learner");
  Controller controller = Launch(std::move(program), {.launch_type = LaunchType::kTestMt});
  CourierClient<Learner> client = learner.Dereference();
  const absl::Status refused =
      ErrorOf([&] { client.Call(&Learner::Insert, std::string(2 * kMiB, 't')); });
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  EXPECT_EQ(client.Call(&Learner::Insert, std::string(1000, 't')), 1000);
  controller.Stop();
  EXPECT_TRUE(controller.Wait().ok());
}

}  // namespace
}  // namespace lp
