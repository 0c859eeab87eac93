#ifndef LP_SRC_COORDINATOR_FINGERPRINT_H_
#define LP_SRC_COORDINATOR_FINGERPRINT_H_

// The topology fingerprint: how a worker proves it built the same program as its launcher.
//
// A process launch re-executes the user's binary, which builds the Program again and runs
// one node of it. That only works if program construction is deterministic: the same
// groups, node counts and kinds in the same order. The launcher passes its fingerprint to
// every worker (env.h); a worker whose own fingerprint differs is refused at Register with
// a message showing where the two programs differ.
//
// The fingerprint is a readable canonical string, compared exactly:
//
//   producer=4xCourierNode<Producer>;consumer=1xClassNode<Consumer>
//
// one segment per run of consecutive nodes of one group, each a list of "<count>x<kind>"
// runs separated by '|'. Separator characters inside group names and kinds are escaped
// with '\'. A short digest of it (FingerprintDigest) is handy in logs.

#include <string>
#include <string_view>
#include <vector>

namespace lp::internal {

// One node as the fingerprint sees it: its group and its kind ("ClassNode<Producer>").
struct TopologyNode {
  std::string group;
  std::string kind;
};

// The fingerprint of a program whose nodes, in the order they were added, are `nodes`.
std::string MakeFingerprint(const std::vector<TopologyNode>& nodes);

// 16 hex digits (64-bit FNV-1a) of `fingerprint`: stable across processes and machines.
std::string FingerprintDigest(std::string_view fingerprint);

// Why a worker whose fingerprint is `worker` cannot run for a launcher whose fingerprint
// is `launcher`: names the first group that differs and shows both topologies.
std::string DescribeFingerprintMismatch(std::string_view launcher, std::string_view worker);

}  // namespace lp::internal

#endif  // LP_SRC_COORDINATOR_FINGERPRINT_H_
