#ifndef LP_TESTS_FUZZ_REQUEST_CHECKS_H_
#define LP_TESTS_FUZZ_REQUEST_CHECKS_H_

// What must hold when arbitrary bytes arrive as a Courier call: the whole server-side
// path without the socket. The bytes are parsed as a courier.CallRequest as gRPC would,
// and handed to the CourierService of a node whose typed methods (LP_COURIER_METHODS)
// take structs, tensors, containers, strings and integers; two of them run inline, and a
// method that does not must never run as a call taken on arrival. Its secret is required. Used
// by the libFuzzer target (fuzz_target.cc, built as request_fuzzer) and the replay of its
// inputs (fuzz_regression_test.cc). Also that the server's two readings of a request (by
// hand for a large one, by protobuf for a small one) agree on the bytes, and that both
// agree with protobuf's parse of the whole request (but for the UTF-8 check of names,
// which lp does not make): the same request read, or both refusing the bytes.
//
// Input layout: byte 0 says which secret the call presents (low two bits: 0 the right
// one, 1 none, 2 a wrong one, 3 a prefix of the right one) and in what slices the request
// arrives (high six bits: slices of that many bytes, 0 for one slice); the rest is the
// CallRequest.

#include <string>
#include <string_view>

namespace lp::fuzz {

// Serves one call from `input` (layout above) and returns "" when the outcome is one
// the server may give: a call without the right secret is UNAUTHENTICATED; any other is
// OK (with a response that serializes) or NOT_FOUND / INVALID_ARGUMENT / UNKNOWN /
// RESOURCE_EXHAUSTED with a message. Otherwise what went wrong. Not thread-safe (one
// service, kept across calls).
std::string CheckRequest(std::string_view input);

// The input that presents `secret_choice` (0..3, as above) with `request` (serialized).
std::string RequestInput(int secret_choice, const std::string& request);

}  // namespace lp::fuzz

#endif  // LP_TESTS_FUZZ_REQUEST_CHECKS_H_
