#include "src/net/host_port.h"
#include "src/net/local_address.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace lp::internal
