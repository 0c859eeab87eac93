#include "src/courier/serialization/tensor_bytes.h"

#include <sys/mman.h>

#include <cstdint>

namespace lp::internal {

std::string ReservedBytes(size_t size) {
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

std::string ZeroedBytes(size_t size) {
  std::string bytes = ReservedBytes(size);
  bytes.resize(size);
  return bytes;
}

std::string CopyOfBytes(std::string_view bytes) {
  if (bytes.size() < kMinHugePageTensorBytes) return std::string(bytes);
  std::string copy = ReservedBytes(bytes.size());
  copy.append(bytes);
  return copy;
}

}  // namespace lp::internal
