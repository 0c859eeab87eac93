#ifndef LP_TESTS_FUZZ_REPLY_CHECKS_H_
#define LP_TESTS_FUZZ_REPLY_CHECKS_H_

// What must hold when arbitrary bytes arrive at a Courier client as the reply to its call:
// the client reads the result out of them by hand (rpc::ReadResult, received_tensors.h),
// straight into the object returned, and that reading must be protobuf's parse of a
// courier.CallResponse: the same result, or both refusing the bytes. Read three ways: as
// the client reads it (small parts left to protobuf), every part by hand, and parts of 16
// bytes or more by hand. Used by the libFuzzer target (fuzz_target.cc, built as
// reply_fuzzer) and the replay of its inputs (fuzz_regression_test.cc).
//
// Input layout: byte 0 says in what slices the reply arrives (slices of that many bytes,
// 0 for one slice); the rest is the reply.

#include <string>
#include <string_view>

namespace lp::fuzz {

// "" when every reading of `input` agrees with protobuf's, else how one differs.
// Thread-safe.
std::string CheckReply(std::string_view input);

// The input that brings `reply` (serialized) in one slice.
std::string ReplyInput(const std::string& reply);

}  // namespace lp::fuzz

#endif  // LP_TESTS_FUZZ_REPLY_CHECKS_H_
