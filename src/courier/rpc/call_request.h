// A courier.CallRequest on the wire: encoded by the caller (EncodeCallRequest), parsed by
// the server (ParseCallRequest).
//
// ParseCallRequest reads bytes a caller sent, which may be anything. Used by the server
// instead of gRPC's own parsing so that every refusal says what was wrong (gRPC answers
// INTERNAL with an empty message) and nothing is logged per bad request.
#ifndef LP_SRC_COURIER_RPC_CALL_REQUEST_H_
#define LP_SRC_COURIER_RPC_CALL_REQUEST_H_

#include <google/protobuf/io/zero_copy_stream.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "courier/courier.pb.h"
#include "src/courier/rpc/movable_byte_buffer.h"
#include "src/courier/rpc/received_tensors.h"

namespace lp::rpc {

// The request to call `method` with `args`, checked and encoded. The arguments are
// moved into the request and its large fields (tensors, long strings) are sent from
// where they are, not copied: the returned bytes own them (SerializeSharing).
// `shared_memory`: where the SharedTensors among `args` are (shared_tensor_memory.h), or
// null. `result_memory`: memory the caller lends the server for the result's large
// tensors, or null.
// Errors, before anything is sent: INVALID_ARGUMENT for an argument that nests too deep
// or holds a unicode_value that is not UTF-8 (CheckObject), RESOURCE_EXHAUSTED for a
// request over `max_send_message_bytes` (-1: protobuf's 2 GiB) or protobuf's limit, which
// gRPC would abort the process for.
absl::StatusOr<MovableByteBuffer> EncodeCallRequest(std::string_view method,
                                                   courier::CallArguments args,
                                                   int max_send_message_bytes,
                                                   const courier::SharedMemory* shared_memory =
                                                       nullptr,
                                                   const courier::SharedMemory* result_memory =
                                                       nullptr);

struct ParsedCallRequest {
  std::string method;  // any bytes: the caller's, not checked for UTF-8
  courier::CallArguments arguments;
  // Where the arguments' SharedTensors are, if the caller put tensors in shared memory.
  std::optional<courier::SharedMemory> shared_memory;
  // Memory the caller lent for the result's large tensors, if it did.
  std::optional<courier::SharedMemory> result_memory;
};

// Reads a CallRequest from `input` (`size` bytes, for messages). The method name and
// the keyword names are read as bytes: protobuf would check them for UTF-8 and log an
// error line for each request that fails. Everything else is protobuf's own parsing,
// with its recursion limit. `objects_by_hand`: the arguments are read with ReadObject(),
// which reads tensors into storage of lp's own (received_tensors.h), reading by hand every
// part of `objects_by_hand_from` bytes or more; the server asks for it when
// ReadsObjectsByHand() of the bytes.
// Errors: INVALID_ARGUMENT saying which part did not parse.
absl::StatusOr<ParsedCallRequest> ParseCallRequest(
    google::protobuf::io::ZeroCopyInputStream& input, size_t size,
    bool objects_by_hand = false, size_t objects_by_hand_from = kMinBytesReadByHand);

// The method a request names, read from its first bytes without parsing the rest: when
// the request starts with its method field (every Courier client writes it first) and the
// name is at most kMaxPeekedMethodBytes long. nullopt otherwise, also for bytes that are
// not a request at all: the caller then serves the call like any other, and
// ParseCallRequest says what is wrong with it.
inline constexpr size_t kMaxPeekedMethodBytes = 256;
std::optional<std::string> PeekMethod(google::protobuf::io::ZeroCopyInputStream& input);

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_CALL_REQUEST_H_
