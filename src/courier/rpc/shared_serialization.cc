#include "src/courier/rpc/shared_serialization.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream.h>
#include <grpcpp/support/slice.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace lp::rpc {
namespace {

// Copied bytes go into blocks of this size (or what is left of the message, if less).
// Large fields are not copied, so this bounds how much a message's small fields
// allocate at a time: below glibc's mmap threshold, from the heap.
constexpr size_t kBlockBytes = 16 << 10;

// Frees one slice's share of the message.
void ReleaseShare(void* share) { delete static_cast<std::shared_ptr<const void>*>(share); }

// A ZeroCopyOutputStream into grpc::Slices. Protobuf writes into the blocks that Next()
// hands out; with aliasing enabled it passes each bytes or string field that does not fit
// the current block to WriteAliasedRaw, which makes the large ones slices of the message.
//
// Thread safety: none; one serialization.
class SliceStream final : public google::protobuf::io::ZeroCopyOutputStream {
 public:
  SliceStream(std::shared_ptr<const void> owner, size_t total_bytes)
      : owner_(std::move(owner)), total_bytes_(total_bytes) {}

  bool Next(void** data, int* size) override {
    if (handed_out_ == block_.size()) NewBlock();
    *data = const_cast<uint8_t*>(block_.begin()) + handed_out_;
    *size = static_cast<int>(block_.size() - handed_out_);
    handed_out_ = block_.size();
    bytes_ += *size;
    return true;
  }

  void BackUp(int count) override {
    handed_out_ -= static_cast<size_t>(count);
    bytes_ -= count;
  }

  int64_t ByteCount() const override { return bytes_; }

  bool AllowsAliasing() const override { return true; }

  bool WriteAliasedRaw(const void* data, int size) override {
    if (static_cast<size_t>(size) < kMinSharedFieldBytes) return WriteCopy(data, size);
    FlushBlock();
    slices_.emplace_back(const_cast<void*>(data), static_cast<size_t>(size), &ReleaseShare,
                         new std::shared_ptr<const void>(owner_));
    bytes_ += size;
    return true;
  }

  // The slices written; the stream is done.
  MovableByteBuffer Finish() {
    FlushBlock();
    return MovableByteBuffer(slices_.data(), slices_.size());
  }

 private:
  // The part of the block written since the last flush becomes a slice of its own (it
  // shares the block's memory).
  void FlushBlock() {
    if (handed_out_ > flushed_) slices_.push_back(block_.sub(flushed_, handed_out_));
    flushed_ = handed_out_;
  }

  void NewBlock() {
    FlushBlock();
    const size_t left = total_bytes_ > static_cast<size_t>(bytes_)
                            ? total_bytes_ - static_cast<size_t>(bytes_)
                            : 1;  // protobuf asks for more than it said: give it some
    block_ = grpc::Slice(std::min(left, kBlockBytes));
    handed_out_ = flushed_ = 0;
  }

  bool WriteCopy(const void* data, int size) {
    const char* from = static_cast<const char*>(data);
    while (size > 0) {
      void* to = nullptr;
      int room = 0;
      Next(&to, &room);
      const int n = std::min(room, size);
      std::memcpy(to, from, static_cast<size_t>(n));
      from += n;
      size -= n;
      BackUp(room - n);
    }
    return true;
  }

  const std::shared_ptr<const void> owner_;
  const size_t total_bytes_;
  std::vector<grpc::Slice> slices_;
  grpc::Slice block_;       // the block being written; empty at first
  size_t handed_out_ = 0;   // block_[0, handed_out_) is written or given to protobuf
  size_t flushed_ = 0;      // block_[0, flushed_) is already in slices_
  int64_t bytes_ = 0;       // written so far, copied or shared
};

}  // namespace

absl::StatusOr<MovableByteBuffer> SerializeSharing(
    std::shared_ptr<const google::protobuf::MessageLite> message) {
  const size_t size = message->ByteSizeLong();
  if (size > static_cast<size_t>(INT_MAX)) {
    return absl::InternalError(absl::StrCat("cannot encode a message of ", size,
                                            " bytes: protobuf's limit is 2 GiB"));
  }
  if (size < kMinSharedFieldBytes) {
    // Nothing to share: one slice of the exact size, as gRPC's own serializer does.
    grpc::Slice slice(size);
    message->SerializeWithCachedSizesToArray(const_cast<uint8_t*>(slice.begin()));
    return MovableByteBuffer(&slice, 1);
  }
  SliceStream stream(message, size);
  {
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.EnableAliasing(true);
    message->SerializeWithCachedSizes(&coded);
    if (coded.HadError()) {
      return absl::InternalError(absl::StrCat("protobuf failed to encode a message of ", size,
                                              " bytes"));
    }
  }  // the stream is trimmed to what was written here
  if (static_cast<size_t>(stream.ByteCount()) != size) {
    return absl::InternalError(absl::StrCat("protobuf encoded ", stream.ByteCount(),
                                            " bytes of a message of ", size, " bytes"));
  }
  return stream.Finish();
}

}  // namespace lp::rpc
