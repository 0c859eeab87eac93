// SerializeSharing: a protobuf message as a grpc::ByteBuffer whose large bytes and string
// fields (a tensor's tensor_content, a long std::string argument) are not copied but
// become slices of their own that point into the message's memory. The slices own the
// message: it is freed when gRPC releases the last of them, which may be after the call
// that sent it has ended (a cancelled call's bytes can still be queued in the transport).
//
// Why: copying a 1 MiB tensor into gRPC's slices costs a 1 MiB allocation per call, and
// under glibc's default malloc settings such buffers come and go as fresh pages, each a
// page fault; see docs/performance.md, "Tensors".
#ifndef LP_SRC_COURIER_RPC_SHARED_SERIALIZATION_H_
#define LP_SRC_COURIER_RPC_SHARED_SERIALIZATION_H_

#include <google/protobuf/message_lite.h>

#include <cstddef>
#include <memory>

#include "absl/status/statusor.h"
#include "src/courier/rpc/movable_byte_buffer.h"

namespace lp::rpc {

// Fields of at least this many bytes travel as slices of the message; smaller ones are
// copied, which costs less than the slice's bookkeeping.
inline constexpr size_t kMinSharedFieldBytes = 16 << 10;

// Serializes `message`, which nobody may modify any more, into a buffer that shares its
// large fields (see above). The message must be under protobuf's 2 GiB (callers check
// sizes first, message_limits.h); INTERNAL if protobuf refuses it anyway.
absl::StatusOr<MovableByteBuffer> SerializeSharing(
    std::shared_ptr<const google::protobuf::MessageLite> message);

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_SHARED_SERIALIZATION_H_
