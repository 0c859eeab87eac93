// What one Courier message may be and hold, checked where a message is encoded (the
// caller's request, the server's reply) and where a request arrives. A message that
// breaks a limit fails its own call with a status that says which limit and by how much;
// the process and its other calls never notice. docs/courier.md, "Limits and security".
#ifndef LP_SRC_COURIER_RPC_MESSAGE_LIMITS_H_
#define LP_SRC_COURIER_RPC_MESSAGE_LIMITS_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "courier/courier.pb.h"

namespace lp::rpc {

// The largest message protobuf can encode or parse: 2 GiB - 1 bytes. gRPC aborts the
// process when asked to send a bigger one, hence the checks before sending.
inline constexpr int64_t kMaxProtobufMessageBytes = std::numeric_limits<int32_t>::max();

// Lists, tuples and dicts nested inside each other, at most, in one argument or result.
// Protobuf's parsers (C++'s and Python's alike) refuse messages nested more than 100
// deep, and each level of list or dict costs two of those; the call's envelope and a
// tensor's shape take a few more. 32 leaves room for all of them.
inline constexpr int kMaxNestingDepth = 32;

// How much of anything a caller sent (a method name, keyword names) an error echoes.
inline constexpr size_t kMaxEchoedBytes = 100;

// The send limit in effect for a configured max_send_message_bytes (-1: none of its own):
// never above kMaxProtobufMessageBytes.
int64_t EffectiveMessageLimit(int configured_bytes);

// The name of what a check looks at, for its error message: made only when the check
// fails, since these checks run on every call and most names cost an allocation.
using CheckedName = absl::FunctionRef<std::string()>;

// RESOURCE_EXHAUSTED when `bytes` exceeds EffectiveMessageLimit(configured_bytes), e.g.
// "<what> is 2147483712 bytes, over the largest message protobuf can encode (2147483647
// bytes); ...". `what` names the message: "Courier method 'Get': the reply".
absl::Status CheckMessageSize(size_t bytes, int configured_bytes, CheckedName what);

// INVALID_ARGUMENT when `object` nests lists, tuples or dicts deeper than
// kMaxNestingDepth or, with `check_utf8`, holds a unicode_value that is not UTF-8 (a
// Python peer could not decode it as str). The message starts with `what` ("arg 2") and
// says where.
absl::Status CheckObject(const courier::SerializedObject& object, CheckedName what,
                         bool check_utf8);

// `input` for an error message: C-escaped, at most kMaxEchoedBytes of it, and the total
// length when cut ("abcd... (8000 bytes)").
std::string BoundedEcho(absl::string_view input);

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_MESSAGE_LIMITS_H_
