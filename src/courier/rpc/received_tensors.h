// Large tensors received through gRPC land on huge pages, as tensors made here do
// (src/courier/serialization/tensor_bytes.h).
//
// Protobuf allocates the storage of a bytes field as it parses it, with no say in where:
// a 64 MiB tensor received from another host faulted its 16 384 pages of 4 KiB one by one
// (docs/performance.md, "Tensors received through gRPC on huge pages"). But protobuf
// merges a message into the fields it already has, and writes a bytes field into the
// storage its string already holds. So before a large message is parsed, a scan of its
// bytes finds the tensors among its positional arguments or its result, and the message
// to parse into is given their fields, with storage of the right size advised onto huge
// pages and not yet touched. Tensors deeper in the message (in a list, a dict, a struct)
// are parsed as before.
//
// A scan only reads: bytes it cannot follow end it, and the parse that follows judges
// them. A field is prepared only where the bytes hold a tensor for it, and a value that
// comes after replaces the prepared tensor as it would a parsed one (every field of a
// SerializedObject is a value of its one oneof), so the parse gives the same message
// with or without the scan. (The scan does not prepare a tensor that a later string,
// list or dict replaces; one that a later number replaces just frees its storage
// unused. No encoder writes two values for one object.)
#ifndef LP_SRC_COURIER_RPC_RECEIVED_TENSORS_H_
#define LP_SRC_COURIER_RPC_RECEIVED_TENSORS_H_

#include <grpcpp/support/byte_buffer.h>

#include <cstddef>
#include <vector>

#include "courier/courier.pb.h"

namespace lp::rpc {

// For the bytes of a courier.CallRequest: the content size of each positional argument
// that is a tensor of at least internal::kMinHugePageTensorBytes, by position (0 for
// every other argument). Empty for a request smaller than that, without reading it.
std::vector<size_t> LargeArgumentTensors(grpc::ByteBuffer& request);

// For the bytes of a courier.CallResponse: the content size of its result if that is a
// tensor of at least internal::kMinHugePageTensorBytes, else 0.
size_t LargeResultTensor(grpc::ByteBuffer& reply);

// Makes `object` a tensor whose content has untouched storage for `bytes` bytes, advised
// onto huge pages, for the parse of a tensor of that size to merge into.
void ReserveTensorStorage(size_t bytes, courier::SerializedObject& object);

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_RECEIVED_TENSORS_H_
