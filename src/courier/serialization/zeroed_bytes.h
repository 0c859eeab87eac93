// ZeroedBytes: the storage of a large tensor, zero-filled, backed by huge pages where the
// kernel gives them.
//
// Why: on the VMs this project runs on, a page fault costs tens of microseconds, and a
// fresh 64 MiB buffer faults 16 384 times in 4 KiB pages (docs/performance.md, "Page
// faults and glibc" and "Tensors between processes of one machine"). Debian's transparent
// huge pages are "madvise": a buffer asks for them, or gets none.
#ifndef LP_SRC_COURIER_SERIALIZATION_ZEROED_BYTES_H_
#define LP_SRC_COURIER_SERIALIZATION_ZEROED_BYTES_H_

#include <cstddef>
#include <string>

namespace lp::internal {

// `size` zero bytes. From 4 MiB up, the 2 MiB-aligned part of the storage is advised
// MADV_HUGEPAGE before it is first touched: a hint, which a kernel with huge pages off
// ignores (the bytes then just cost more to touch).
std::string ZeroedBytes(size_t size);

}  // namespace lp::internal

#endif  // LP_SRC_COURIER_SERIALIZATION_ZEROED_BYTES_H_
