#include "src/net/host_port.h"
#include "src/net/local_address.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace lp::internal {
namespace {

TEST(LocalAddressTest, LoopbackRoutesThroughLoopback) {
  absl::StatusOr<std::string> address = LocalAddressTowards("127.0.0.1");
  ASSERT_TRUE(address.ok()) << address.status();
  EXPECT_EQ(*address, "127.0.0.1");
}

TEST(LocalAddressTest, ResolvesNames) {
  absl::StatusOr<std::string> address = LocalAddressTowards("localhost");
  ASSERT_TRUE(address.ok()) << address.status();
  EXPECT_TRUE(*address == "127.0.0.1" || *address == "::1") << *address;
}

TEST(LocalAddressTest, UnknownHostIsAnError) {
  EXPECT_FALSE(LocalAddressTowards("no-such-host.invalid").ok());
}

TEST(LocalAddressTest, SplitsAndJoinsHostPort) {
  EXPECT_EQ(SplitHostPort("10.0.0.1:80").value(), std::make_pair(std::string("10.0.0.1"), 80));
  EXPECT_EQ(SplitHostPort("[::1]:5").value(), std::make_pair(std::string("::1"), 5));
  EXPECT_FALSE(SplitHostPort("nohost").ok());
  EXPECT_FALSE(SplitHostPort("h:99999").ok());
  EXPECT_EQ(JoinHostPort("10.0.0.1", 80), "10.0.0.1:80");
  EXPECT_EQ(JoinHostPort("::1", 5), "[::1]:5");
}

TEST(LocalAddressTest, OneAddressHasOneSpelling) {
  EXPECT_EQ(CanonicalHost("[0:0:0:0:0:0:0:1]"), "::1");
  EXPECT_EQ(CanonicalHost("::1"), "::1");
  EXPECT_EQ(CanonicalHost(""), "::");  // gRPC binds an empty host to every address
  EXPECT_EQ(CanonicalHost("[::]"), "::");
  EXPECT_EQ(CanonicalHost("127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(CanonicalHost("example.invalid"), "example.invalid");
  EXPECT_TRUE(IsNumericAddress("::1"));
  EXPECT_FALSE(IsNumericAddress("localhost"));
}

TEST(LocalAddressTest, AnotherMachinesAddressReachesOnlyAServerBoundToIt) {
  // TEST-NET-1: never an address of this machine, so no wildcard bind is reached by it.
  EXPECT_EQ(BindHostsReachedBy("192.0.2.1"), std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(BindHostsReachedBy("example.invalid"), std::vector<std::string>{"example.invalid"});
  const std::vector<std::string> loopback = BindHostsReachedBy("127.0.0.1");
  EXPECT_EQ(loopback.front(), "127.0.0.1");
  EXPECT_NE(std::find(loopback.begin(), loopback.end(), "0.0.0.0"), loopback.end());
  EXPECT_NE(std::find(loopback.begin(), loopback.end(), "::"), loopback.end());
}

}  // namespace
}  // namespace lp::internal
