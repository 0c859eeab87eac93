// Tensors received through gRPC get their storage as tensors made here do
// (src/courier/serialization/tensor_bytes.h), wherever they are in the message: an
// argument, a keyword argument, a result, or an item of a list, a dict or a struct. Large
// ones land on huge pages; mid-sized ones in storage an earlier tensor gave back.
//
// Protobuf allocates the storage of a bytes field as it parses it, with no say in where:
// a 64 MiB tensor received from another host faulted its 16 384 pages of 4 KiB one by one
// (docs/performance.md, "Tensors received through gRPC on huge pages"), and a 1 MiB one
// often faulted its 256 ("Storage that tensors give back"). So in a message of
// kMinBytesReadByHand or more, lp reads the objects (courier.SerializedObject) itself: the
// structure that holds tensors (lists, dicts, the tensor itself) by hand, and each
// tensor's content into storage of the size the wire states (internal::ReservedBytes),
// before it is written. Every other field is merged by protobuf
// as its own parse would merge it (Reader::LargeFields), so the message is the same as
// protobuf's parse gives, for any bytes: rpc_received_tensors_test compares the two on
// messages built by hand and on damaged ones.
//
// What stays protobuf's: messages smaller than that, and every object, list, dict or
// tensor in a large one that is itself smaller (no tensor in them needs such storage, and
// protobuf parses many small values faster), parsed whole; and the small fields of the
// large ones (a tensor's dtype and shape, a list's small items), copied once more on the
// way and merged in runs, one parse per 64 KiB. Long strings are read by hand like tensor
// content. A tensor sent as repeated values (float_val) instead of content is merged by
// protobuf too, correctly, at the cost of that copy.
#ifndef LP_SRC_COURIER_RPC_RECEIVED_TENSORS_H_
#define LP_SRC_COURIER_RPC_RECEIVED_TENSORS_H_

#include <grpcpp/support/byte_buffer.h>

#include <cstddef>

#include "courier/courier.pb.h"
#include "src/courier/rpc/wire_reader.h"
#include "src/courier/serialization/tensor_bytes.h"

namespace lp::rpc {

// The smallest message, and the smallest part of one, whose objects lp reads itself: the
// smallest tensor whose storage is lp's own (recycled or on huge pages).
inline constexpr size_t kMinBytesReadByHand = internal::kMinRecycledBytes;

// Whether a message of these bytes is read with ReadObject() (large enough to hold a
// tensor whose storage is lp's own).
bool ReadsObjectsByHand(const grpc::ByteBuffer& message);

// Reads the length-delimited courier.SerializedObject that follows into `object` (merging,
// as protobuf does), with the content of every tensor in it of kMinBytesReadByHand or
// more in storage from internal::ReservedBytes(). Read at the stream's current depth, as
// MergeFromCodedStream reads a message, and with protobuf's recursion limit. A part (an
// object, list, dict or tensor) shorter than `by_hand_from` bytes, too small to hold such
// a tensor by default, is parsed by protobuf whole; tests pass 0 to read every part by
// hand.
Field ReadObject(Reader& reader, courier::SerializedObject& object,
                 size_t by_hand_from = kMinBytesReadByHand);

// Parses the bytes of a courier.CallResponse and merges its result (result.result) into
// `result`, as protobuf's parse of the response would merge it there, reading it with
// ReadObject() (`by_hand_from` as there); the response's other fields are checked and
// skipped, never built. False if the bytes are not a CallResponse.
bool ReadResult(grpc::ByteBuffer& reply, courier::SerializedObject& result,
                size_t by_hand_from = kMinBytesReadByHand);

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_RECEIVED_TENSORS_H_
