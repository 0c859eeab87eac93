// The storage of a tensor's bytes: large tensors get theirs on huge pages where the kernel
// gives them, whether the bytes are zeros (a new tensor, a same-host read) or a copy; and
// mid-sized tensors get storage that an earlier tensor gave up, already faulted in.
//
// Why: on the VMs this project runs on, a page fault costs tens of microseconds, and a
// fresh 64 MiB buffer faults 16 384 times in 4 KiB pages (docs/performance.md, "Page
// faults and glibc" and "Copies of large tensors on huge pages"). Debian's transparent
// huge pages are "madvise": only memory that asks gets them. A 64 MiB copy took
// 257-276 ms without the advice and 18 ms with it on one such VM.
//
// Tensors of a few hundred KiB to a few MiB are too small for huge pages to pay, and
// glibc's heap hands them fresh pages more often than not: by default it gives the top of
// a thread's arena back to the kernel once more than twice the largest mapped chunk freed
// so far is free there, and a 1 MiB tensor received on one handler thread and freed is
// enough. A receiver of a 1 MiB tensor per call then faulted up to 256 times per call
// (docs/performance.md, "Storage that tensors give back"). So the storage of such tensors
// is kept when a tensor lets it go (RecycleBytes) and reused by the next one.
#ifndef LP_SRC_COURIER_SERIALIZATION_TENSOR_BYTES_H_
#define LP_SRC_COURIER_SERIALIZATION_TENSOR_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace lp::internal {

// From this size up, a tensor's storage is advised MADV_HUGEPAGE (on its 2 MiB-aligned
// part) before it is first touched. The advice is a hint, which a kernel with huge pages
// off ignores: the bytes then just cost more to touch.
inline constexpr size_t kMinHugePageTensorBytes = size_t{4} << 20;

// Storage of at least this size and under kMinHugePageTensorBytes is recycled.
inline constexpr size_t kMinRecycledBytes = size_t{256} << 10;

// At most kMaxRecycledBytes of storage, in at most kMaxRecycledBuffers buffers, are kept
// for reuse in a process; the oldest kept goes first. The environment variable
// kRecycledMebibytesVariable, read once, sets another byte limit (in MiB, up to 1024; 0
// keeps nothing).
inline constexpr size_t kMaxRecycledBytes = size_t{32} << 20;
inline constexpr int kMaxRecycledBuffers = 16;
inline constexpr char kRecycledMebibytesVariable[] = "LP_TENSOR_CACHE_MIB";

// The limit that a value of kRecycledMebibytesVariable sets: nullptr (unset) gives
// kMaxRecycledBytes; a value that is not a whole number of MiB from 0 to 1024 is an
// error that names the variable and what it takes.
absl::StatusOr<size_t> RecycledBytesLimitFrom(const char* mebibytes);

// Replaces the limit (tests); lets kept buffers go until they are within it.
void SetRecycledBytesLimit(size_t bytes);

// `size` zero bytes.
std::string ZeroedBytes(size_t size);

// Empty storage with room for `size` bytes: for a writer that appends them (a parse of a
// tensor of that size). Untouched where it is fresh; recycled storage is reused if some
// fits (at least `size` and at most twice that).
std::string ReservedBytes(size_t size);

// A copy of `bytes`, written once (not zeroed first).
std::string CopyOfBytes(std::string_view bytes);

// Takes the storage of `bytes`, which its tensor no longer needs, for a later
// ReservedBytes(); storage of a size that is not recycled is freed. Taken by value: the
// string moved from is empty afterwards either way. Thread-safe.
void RecycleBytes(std::string bytes) noexcept;

// Frees every buffer kept for reuse.
void FreeRecycledBytes();

// What is kept now, and how often ReservedBytes() of a recycled size found storage to
// reuse or had to allocate it, since the process started (for tests and benchmarks).
struct RecyclingCounts {
  int buffers = 0;
  size_t bytes = 0;
  uint64_t reused = 0;
  uint64_t fresh = 0;
};
RecyclingCounts RecyclingNow();

}  // namespace lp::internal

#endif  // LP_SRC_COURIER_SERIALIZATION_TENSOR_BYTES_H_
