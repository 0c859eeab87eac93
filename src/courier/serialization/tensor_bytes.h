// The storage of a tensor's bytes: large tensors get theirs on huge pages where the kernel
// gives them, whether the bytes are zeros (a new tensor, a same-host read) or a copy.
//
// Why: on the VMs this project runs on, a page fault costs tens of microseconds, and a
// fresh 64 MiB buffer faults 16 384 times in 4 KiB pages (docs/performance.md, "Page
// faults and glibc" and "Copies of large tensors on huge pages"). Debian's transparent
// huge pages are "madvise": only memory that asks gets them. A 64 MiB copy took
// 257-276 ms without the advice and 18 ms with it on one such VM.
#ifndef LP_SRC_COURIER_SERIALIZATION_TENSOR_BYTES_H_
#define LP_SRC_COURIER_SERIALIZATION_TENSOR_BYTES_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace lp::internal {

// From this size up, a tensor's storage is advised MADV_HUGEPAGE (on its 2 MiB-aligned
// part) before it is first touched. The advice is a hint, which a kernel with huge pages
// off ignores: the bytes then just cost more to touch.
inline constexpr size_t kMinHugePageTensorBytes = size_t{4} << 20;

// `size` zero bytes.
std::string ZeroedBytes(size_t size);

// Empty storage with room for `size` bytes, not yet touched: for a writer that appends
// them (a parse of a tensor of that size).
std::string ReservedBytes(size_t size);

// A copy of `bytes`, written once (not zeroed first).
std::string CopyOfBytes(std::string_view bytes);

}  // namespace lp::internal

#endif  // LP_SRC_COURIER_SERIALIZATION_TENSOR_BYTES_H_
