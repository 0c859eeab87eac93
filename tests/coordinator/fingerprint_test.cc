#include "src/coordinator/fingerprint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lp::internal {
namespace {

using ::testing::HasSubstr;

std::vector<TopologyNode> Producers(int n) {
  std::vector<TopologyNode> nodes;
  for (int i = 0; i < n; ++i) nodes.push_back({"producer", "CourierNode<Producer>"});
  nodes.push_back({"consumer", "ClassNode<Consumer>"});
  return nodes;
}

TEST(FingerprintTest, IsReadableAndCountsRuns) {
  EXPECT_EQ(MakeFingerprint(Producers(4)),
            "producer=4xCourierNode<Producer>;consumer=1xClassNode<Consumer>");
  EXPECT_EQ(MakeFingerprint({{"g", "A"}, {"g", "A"}, {"g", "B"}, {"h", "A"}, {"g", "A"}}),
            "g=2xA|1xB;h=1xA;g=1xA");
  EXPECT_EQ(MakeFingerprint({}), "");
}

TEST(FingerprintTest, EscapesSeparatorsInNames) {
  // Without escaping, these two programs would have the same fingerprint.
  const std::string a = MakeFingerprint({{"a=1xK;b", "K"}});
  const std::string b = MakeFingerprint({{"a", "K"}, {"b", "K"}});
  EXPECT_NE(a, b);
  EXPECT_EQ(a, "a\\=1xK\\;b=1xK");
}

TEST(FingerprintTest, DigestIsStableAndDistinguishes) {
  EXPECT_EQ(FingerprintDigest(""), "cbf29ce484222325");  // the FNV-1a offset basis
  EXPECT_EQ(FingerprintDigest(MakeFingerprint(Producers(4))),
            FingerprintDigest(MakeFingerprint(Producers(4))));
  EXPECT_NE(FingerprintDigest(MakeFingerprint(Producers(4))),
            FingerprintDigest(MakeFingerprint(Producers(3))));
}

TEST(FingerprintTest, MismatchNamesTheFirstDifferingGroup) {
  const std::string message =
      DescribeFingerprintMismatch(MakeFingerprint(Producers(4)), MakeFingerprint(Producers(3)));
  EXPECT_THAT(message, HasSubstr("differs from the launcher's"));
  EXPECT_THAT(message, HasSubstr("must be deterministic"));
  EXPECT_THAT(message, HasSubstr("launcher has 'producer=4xCourierNode<Producer>'"));
  EXPECT_THAT(message, HasSubstr("worker has 'producer=3xCourierNode<Producer>'"));
  EXPECT_THAT(message, HasSubstr(FingerprintDigest(MakeFingerprint(Producers(4)))));
}

TEST(FingerprintTest, MismatchOfAMissingGroup) {
  const std::string message = DescribeFingerprintMismatch(
      "a=1xK;b=2xK", "a=1xK");
  EXPECT_THAT(message, HasSubstr("segment #2: launcher has 'b=2xK', worker has nothing"));
}

}  // namespace
}  // namespace lp::internal
