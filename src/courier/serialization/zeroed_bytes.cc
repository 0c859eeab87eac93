#include "src/courier/serialization/zeroed_bytes.h"

#include <sys/mman.h>

#include <cstdint>

namespace lp::internal {

std::string ZeroedBytes(size_t size) {
  constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
  std::string bytes;
  bytes.reserve(size);  // allocated, not yet touched
  if (size >= 2 * kHugePage) {
    const auto begin = reinterpret_cast<uintptr_t>(bytes.data());
    const uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1);
    const uintptr_t last = (begin + size) & ~(kHugePage - 1);
    if (last > first) (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
  }
  bytes.resize(size);
  return bytes;
}

}  // namespace lp::internal
