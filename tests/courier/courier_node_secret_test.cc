// A CourierNode's server requires its launch's secret, which the program's own clients
// send; a public node (require_secret = false) does not. test_mt programs, real sockets.

#include <string>
#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lp/internal/runtime.h"
#include "lp/lp.h"
#include "lp/serialized_object.h"
#include "tests/support/outside_client.h"

namespace lp {
namespace {

using ::testing::HasSubstr;

constexpr absl::Duration kLong = absl::Seconds(60);

class Greeter {
 public:
  std::string Greet(const std::string& name) { return "hello " + name; }
};
LP_COURIER_METHODS(Greeter, Greet);

TEST(CourierNodeSecretTest, OnlyCallersWithTheLaunchsSecretAreServed) {
  Program program("secret");
  CourierHandle<Greeter> handle = program.AddNode(CourierNode<Greeter>(), "greeter");
  Controller controller = Launch(std::move(program), {.launch_type = LaunchType::kTestMt});
  CourierClient<Greeter> client = handle.Dereference();
  EXPECT_EQ(client.Call(&Greeter::Greet, "node"), "hello node");  // the program's own client

  const std::string address = client.Address();
  const absl::StatusOr<std::string> refused =
      testing::CallFromOutside(address, "", "Greet", "intruder", kLong);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("call to node greeter/0 lacks the launch's "
                                                    "secret (gRPC metadata 'lp-secret')"));

  const std::string secret = internal::CurrentRuntime()->courier_secret;
  ASSERT_EQ(secret.size(), 64u);  // a fresh 256-bit secret, as no LP_COURIER_SECRET was set
  EXPECT_EQ(testing::CallFromOutside(address, secret, "Greet", "tool", kLong).value_or("error"),
            "hello tool");
  controller.Stop();
  EXPECT_TRUE(controller.Wait().ok());
}

TEST(CourierNodeSecretTest, APublicNodeServesCallersWithoutTheSecret) {
  Program program("public");
  CourierNode<Greeter> node;
  node.SetServerOptions({.require_secret = false});
  CourierHandle<Greeter> handle = program.AddNode(node, "greeter");
  Controller controller = Launch(std::move(program), {.launch_type = LaunchType::kTestMt});
  CourierClient<Greeter> client = handle.Dereference();
  EXPECT_EQ(client.Call(&Greeter::Greet, "node"), "hello node");
  EXPECT_EQ(
      testing::CallFromOutside(client.Address(), "", "Greet", "anyone", kLong).value_or("error"),
      "hello anyone");
  controller.Stop();
  EXPECT_TRUE(controller.Wait().ok());
}

TEST(CourierNodeSecretTest, EachLaunchHasItsOwnSecret) {
  std::string secrets[2];
  for (std::string& secret : secrets) {
    Program program("one_of_two");
    program.AddNode(CourierNode<Greeter>(), "greeter");
    Controller controller = Launch(std::move(program), {.launch_type = LaunchType::kTestMt});
    secret = internal::CurrentRuntime()->courier_secret;
    controller.Stop();
    EXPECT_TRUE(controller.Wait().ok());
  }
  EXPECT_NE(secrets[0], secrets[1]);
}

}  // namespace
}  // namespace lp
