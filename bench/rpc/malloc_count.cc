#include "bench/rpc/malloc_count.h"

#include <atomic>
#include <cstddef>
#include <cstdint>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LP_BENCH_COUNT_MALLOCS 0
#else
#define LP_BENCH_COUNT_MALLOCS 1
#endif

namespace lp::bench {
namespace {

#if LP_BENCH_COUNT_MALLOCS
// One counter per group of threads, each on a cache line of its own: the count must not
// cost a cache line passed between the two CPUs on every malloc, which would slow the
// very calls it counts.
constexpr int kCounters = 64;
struct alignas(64) Counter {
  std::atomic<int64_t> count{0};
};
Counter counters[kCounters];
std::atomic<int> next_slot{0};
// Static TLS of the executable: reading it allocates nothing.
thread_local int slot = -1;

void Count() {
  if (slot < 0) slot = next_slot.fetch_add(1, std::memory_order_relaxed) % kCounters;
  counters[slot].count.fetch_add(1, std::memory_order_relaxed);
}
#endif

}  // namespace

bool MallocsCounted() { return LP_BENCH_COUNT_MALLOCS != 0; }

int64_t MallocsSoFar() {
  int64_t total = 0;
#if LP_BENCH_COUNT_MALLOCS
  for (const Counter& counter : counters) total += counter.count.load(std::memory_order_relaxed);
#endif
  return total;
}

}  // namespace lp::bench

#if LP_BENCH_COUNT_MALLOCS
extern "C" {
// glibc's own malloc, under the name it exports for this purpose.
void* __libc_malloc(size_t size);

void* malloc(size_t size) noexcept {
  lp::bench::Count();
  return __libc_malloc(size);
}
}  // extern "C"
#endif
