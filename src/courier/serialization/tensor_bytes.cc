#include "src/courier/serialization/tensor_bytes.h"

#include <sys/mman.h>

#include <cstdint>

namespace lp::internal {
namespace {

// Empty storage for `size` bytes, allocated and not yet touched; advised to be backed by
// huge pages if it is large.
std::string Reserved(size_t size) {
  constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
  std::string bytes;
  bytes.reserve(size);
  if (size >= kMinHugePageTensorBytes) {
    const auto begin = reinterpret_cast<uintptr_t>(bytes.data());
    const uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1);
    const uintptr_t last = (begin + size) & ~(kHugePage - 1);
    if (last > first) (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
  }
  return bytes;
}

}  // namespace

std::string ZeroedBytes(size_t size) {
  std::string bytes = Reserved(size);
  bytes.resize(size);
  return bytes;
}

std::string CopyOfBytes(std::string_view bytes) {
  if (bytes.size() < kMinHugePageTensorBytes) return std::string(bytes);
  std::string copy = Reserved(bytes.size());
  copy.append(bytes);
  return copy;
}

}  // namespace lp::internal
