// MovableByteBuffer: a grpc::ByteBuffer whose move moves.
//
// gRPC 1.51's ByteBuffer declares a copy constructor and a copy assignment and no move,
// so std::move(buffer) copies it: a new grpc_byte_buffer from malloc, and a reference
// taken on every slice. An encoded request or reply passes through a StatusOr and a few
// callbacks on its way to gRPC, and the server's reply was copied five times per call
// that way (docs/performance.md, "Allocations per call"). This class holds a ByteBuffer
// (which is final) for gRPC's functions; moving it swaps, and copying it does not compile.
//
// Thread safety: as grpc::ByteBuffer, one object is used by one thread at a time.
#ifndef LP_SRC_COURIER_RPC_MOVABLE_BYTE_BUFFER_H_
#define LP_SRC_COURIER_RPC_MOVABLE_BYTE_BUFFER_H_

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include <cstddef>

namespace lp::rpc {

class MovableByteBuffer {
 public:
  MovableByteBuffer() = default;
  // The bytes of `slices`, which keep their own references (as grpc::ByteBuffer's).
  MovableByteBuffer(const grpc::Slice* slices, size_t count) : bytes_(slices, count) {}

  MovableByteBuffer(MovableByteBuffer&& other) noexcept { bytes_.Swap(&other.bytes_); }
  MovableByteBuffer& operator=(MovableByteBuffer&& other) noexcept {
    if (this != &other) {
      bytes_.Clear();
      bytes_.Swap(&other.bytes_);
    }
    return *this;
  }
  MovableByteBuffer(const MovableByteBuffer&) = delete;
  MovableByteBuffer& operator=(const MovableByteBuffer&) = delete;

  // The buffer itself, for gRPC's functions, or to Swap() the bytes out.
  grpc::ByteBuffer& bytes() { return bytes_; }
  const grpc::ByteBuffer& bytes() const { return bytes_; }

  size_t Length() const { return bytes_.Length(); }

 private:
  grpc::ByteBuffer bytes_;
};

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_MOVABLE_BYTE_BUFFER_H_
