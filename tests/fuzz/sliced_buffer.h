#ifndef LP_TESTS_FUZZ_SLICED_BUFFER_H_
#define LP_TESTS_FUZZ_SLICED_BUFFER_H_

// Messages as gRPC hands them over: a large one arrives in many slices, and the readers
// have paths that only run where a field crosses from one slice to the next.

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <vector>

namespace lp::fuzz {

// `bytes` in slices of `slice_bytes` each (the last shorter), or in one slice if it is 0.
inline grpc::ByteBuffer SlicedBuffer(std::string_view bytes, size_t slice_bytes) {
  if (slice_bytes == 0) slice_bytes = std::max<size_t>(bytes.size(), 1);
  std::vector<grpc::Slice> slices;
  if (bytes.empty()) slices.emplace_back();
  for (size_t at = 0; at < bytes.size(); at += slice_bytes) {
    const size_t length = std::min(slice_bytes, bytes.size() - at);
    slices.emplace_back(bytes.data() + at, length);
  }
  return grpc::ByteBuffer(slices.data(), slices.size());
}

}  // namespace lp::fuzz

#endif  // LP_TESTS_FUZZ_SLICED_BUFFER_H_
