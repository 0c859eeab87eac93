// Messages over protobuf's 2 GiB, for real: gRPC aborts the process when asked to encode
// one, so a reply or an argument that big must fail its one call, on whichever side
// built it, and the node must answer the next call. Each test allocates about 2 GiB
// (RESOURCE_LOCK heavy); rpc_limits_test covers the same paths cheaply with small limits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "lp/courier_channel.h"
#include "lp/courier_server.h"
#include "tests/courier/rpc_test_util.h"

namespace lp {
namespace {

using ::lp::testing::Args;
using ::lp::testing::EchoFirst;
using ::lp::testing::Int;
using ::lp::testing::Timeout;
using ::testing::HasSubstr;

constexpr size_t kOverTwoGiB = (size_t{2} << 30) + 16;

// Filling 2 GiB takes a minute on a loaded VM; the deadline only guards against a hang.
CallOptions Slow() { return Timeout(absl::Minutes(10)); }

courier::SerializedObject Huge() {
  courier::SerializedObject object;
  object.mutable_string_value()->resize(kOverTwoGiB, 'x');
  return object;
}

// Arguments holding one Huge() (Args() would copy it).
courier::CallArguments HugeArgs() {
  courier::CallArguments args;
  *args.add_args() = Huge();
  return args;
}

class HugeMessageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<CourierServer>();  // default limits
    ASSERT_TRUE(server_->RegisterMethod("Echo", EchoFirst).ok());
    ASSERT_TRUE(server_
                    ->RegisterMethod("Huge",
                                     [](courier::CallArguments&)
                                         -> absl::StatusOr<courier::SerializedObject> {
                                       return Huge();
                                     })
                    .ok());
    absl::StatusOr<int> port = server_->Start("127.0.0.1:0");
    ASSERT_TRUE(port.ok()) << port.status();
    channel_ = CourierChannel::Create(absl::StrCat("127.0.0.1:", *port));
  }

  void ExpectEchoWorks() {
    absl::StatusOr<courier::SerializedObject> result =
        channel_->Call("Echo", Args({Int(7)}), Timeout());
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->int_value(), 7);
  }

  std::unique_ptr<CourierServer> server_;
  std::shared_ptr<CourierChannel> channel_;
};

TEST_F(HugeMessageTest, ReplyOverTwoGiBFailsTheCallAndTheServerGoesOn) {
  absl::StatusOr<courier::SerializedObject> result = channel_->Call("Huge", Args({}), Slow());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(result.status().message(), HasSubstr("Courier method 'Huge': the reply is 2147483"));
  EXPECT_THAT(result.status().message(), HasSubstr("the largest message protobuf can encode"));
  ExpectEchoWorks();
}

TEST_F(HugeMessageTest, ArgumentOverTwoGiBFailsTheCallOnTheCaller) {
  absl::StatusOr<courier::SerializedObject> result =
      channel_->Call("Echo", HugeArgs(), Slow());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(result.status().message(), HasSubstr("Courier method 'Echo': the request is 2147483"));
  result = channel_->CallFuture("Echo", HugeArgs(), Slow()).TakeResult();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(result.status().message(), HasSubstr("the request is"));
  ExpectEchoWorks();
}

}  // namespace
}  // namespace lp
