#include "src/courier/serialization/tensor_bytes.h"

#include <sys/mman.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace lp::internal {
namespace {

// The storage that tensors gave back, for the next ones of about its size.
//
// Thread safety: every member function may be called from any thread, concurrently.
class RecycledStorage {
 public:
  // The kept buffer that fits `size` best (the smallest of at least `size` and at most
  // twice that), emptied; or an empty string without storage.
  std::string Take(size_t size) {
    std::lock_guard<std::mutex> lock(mu_);
    Slot* best = nullptr;
    for (Slot& slot : slots_) {
      const size_t capacity = slot.bytes.capacity();
      if (!slot.kept || capacity < size || capacity > 2 * size) continue;
      if (best == nullptr || capacity < best->bytes.capacity()) best = &slot;
    }
    if (best == nullptr) return std::string();
    best->kept = false;
    kept_bytes_ -= best->bytes.capacity();
    return std::move(best->bytes);
  }

  // Keeps `bytes`' storage, making room by letting the oldest kept buffers go.
  void Give(std::string&& bytes) noexcept {
    // Freed after the lock is released: a free can give pages back to the kernel.
    std::array<std::string, kMaxRecycledBuffers> let_go;
    size_t let_go_count = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (bytes.capacity() > limit_) return;  // freed by the caller
      Slot* free_slot = nullptr;
      for (Slot& slot : slots_) {
        if (!slot.kept) free_slot = &slot;
      }
      if (free_slot == nullptr) free_slot = &Oldest();
      if (free_slot->kept) Release(*free_slot, let_go[let_go_count++]);
      bytes.clear();
      free_slot->bytes = std::move(bytes);
      free_slot->kept = true;
      free_slot->given = ++gives_;
      kept_bytes_ += free_slot->bytes.capacity();
      while (kept_bytes_ > limit_) Release(Oldest(), let_go[let_go_count++]);
    }
  }

  // Sets the limit, letting the oldest kept buffers go until they are within it.
  void SetLimit(size_t bytes) {
    std::array<std::string, kMaxRecycledBuffers> let_go;
    size_t let_go_count = 0;
    std::lock_guard<std::mutex> lock(mu_);
    limit_ = bytes;
    while (kept_bytes_ > limit_) Release(Oldest(), let_go[let_go_count++]);
  }

  // Lets every kept buffer go.
  void Clear() {
    std::array<std::string, kMaxRecycledBuffers> let_go;
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i].kept) Release(slots_[i], let_go[i]);
    }
  }

  // buffers and bytes of RecyclingCounts.
  RecyclingCounts Kept() {
    std::lock_guard<std::mutex> lock(mu_);
    RecyclingCounts counts;
    for (const Slot& slot : slots_) counts.buffers += slot.kept ? 1 : 0;
    counts.bytes = kept_bytes_;
    return counts;
  }

 private:
  struct Slot {
    std::string bytes;
    bool kept = false;
    uint64_t given = 0;  // when it was kept: the count of Give() calls then
  };

  // The kept slot given longest ago. Requires mu_ and a kept slot.
  Slot& Oldest() {
    Slot* oldest = nullptr;
    for (Slot& slot : slots_) {
      if (slot.kept && (oldest == nullptr || slot.given < oldest->given)) oldest = &slot;
    }
    return *oldest;
  }

  // Moves a kept slot's storage to `out`, to be freed by the caller. Requires mu_.
  void Release(Slot& slot, std::string& out) {
    kept_bytes_ -= slot.bytes.capacity();
    slot.kept = false;
    out = std::move(slot.bytes);
  }

  std::mutex mu_;
  size_t limit_ = kMaxRecycledBytes;              // guarded by mu_
  std::array<Slot, kMaxRecycledBuffers> slots_;  // guarded by mu_
  size_t kept_bytes_ = 0;                         // guarded by mu_
  uint64_t gives_ = 0;                            // guarded by mu_
};

// Never destroyed: tensors may be freed by static destructors at exit. Its limit comes
// from the environment; a bad value is said once on stderr and the default kept (tensor
// storage is no reason to fail a program).
RecycledStorage& Recycled() {
  static RecycledStorage* const recycled = [] {
    auto* storage = new RecycledStorage;
    absl::StatusOr<size_t> limit = RecycledBytesLimitFrom(std::getenv(kRecycledMebibytesVariable));
    if (limit.ok()) {
      storage->SetLimit(*limit);
    } else {
      std::fprintf(stderr, "lp: %s; keeping the default of %zu MiB\n",
                   std::string(limit.status().message()).c_str(), kMaxRecycledBytes >> 20);
    }
    return storage;
  }();
  return *recycled;
}

std::atomic<uint64_t> reused{0};
std::atomic<uint64_t> fresh{0};

bool Recycles(size_t capacity) {
  return capacity >= kMinRecycledBytes && capacity < kMinHugePageTensorBytes;
}

}  // namespace

std::string ReservedBytes(size_t size) {
  if (Recycles(size)) {
    std::string kept = Recycled().Take(size);
    if (kept.capacity() >= size) {
      reused.fetch_add(1, std::memory_order_relaxed);
      return kept;
    }
    fresh.fetch_add(1, std::memory_order_relaxed);
  }
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
  if (bytes.size() < kMinRecycledBytes) return std::string(bytes);
  std::string copy = ReservedBytes(bytes.size());
  copy.append(bytes);
  return copy;
}

void RecycleBytes(std::string bytes) noexcept {
  if (Recycles(bytes.capacity())) Recycled().Give(std::move(bytes));
}

void FreeRecycledBytes() { Recycled().Clear(); }

void SetRecycledBytesLimit(size_t bytes) { Recycled().SetLimit(bytes); }

absl::StatusOr<size_t> RecycledBytesLimitFrom(const char* mebibytes) {
  if (mebibytes == nullptr) return kMaxRecycledBytes;
  constexpr int kMaxMebibytes = 1024;
  int value = -1;
  if (!absl::SimpleAtoi(absl::string_view(mebibytes), &value) || value < 0 ||
      value > kMaxMebibytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        kRecycledMebibytesVariable, "='", mebibytes, "' is not a whole number of MiB from 0 to ",
        kMaxMebibytes, " (the most tensor storage a process keeps for reuse; 0 keeps none)"));
  }
  return static_cast<size_t>(value) << 20;
}

RecyclingCounts RecyclingNow() {
  RecyclingCounts counts = Recycled().Kept();
  counts.reused = reused.load(std::memory_order_relaxed);
  counts.fresh = fresh.load(std::memory_order_relaxed);
  return counts;
}

}  // namespace lp::internal
