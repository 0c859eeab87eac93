#ifndef LP_SRC_PROCESS_MALLOC_ARENAS_H_
#define LP_SRC_PROCESS_MALLOC_ARENAS_H_

namespace lp::internal {

// Lets glibc's malloc make at most as many arenas in this process as it has CPUs to run
// on (and at least 2), unless the user chose a number (MALLOC_ARENA_MAX, or
// glibc.malloc.arena_max in GLIBC_TUNABLES). Best effort: if glibc refuses, nothing changes.
//
// Why: glibc gives each thread that allocates an arena of its own, up to eight per CPU.
// A worker runs about a dozen threads (lp's and gRPC's) that mostly wait, and made 7
// arenas, each a fresh 64 MiB reservation with its own page tables: the system calls
// and faults to make one, and the page-table teardown when the process exits, cost more
// than the few allocations those threads ever make. On 2 CPUs, 100 workers stopped in
// 300 ms with the default and 200 ms with 2 arenas (docs/performance.md, "Fewer malloc
// arenas per worker"). No more threads than CPUs run at once, so a limit at the CPU count
// makes threads share arenas without making them wait for each other much.
//
// Takes effect for the arenas made after it: call before the process starts threads.
// Thread safety: may be called from any thread.
void LimitMallocArenasToCpus();

}  // namespace lp::internal

#endif  // LP_SRC_PROCESS_MALLOC_ARENAS_H_
