// How many times this process has called malloc: bench_rpc shows it per call, next to
// the CPU time and the context switches, because an allocation is a cost that a
// benchmark on a noisy machine can count exactly when it cannot time it (what lp's own
// layers add to a call shows there first; docs/performance.md, "Allocations per call").
//
// Counted by a malloc of this executable's own, which the dynamic linker puts in front of
// libc's for every library that calls malloc through its PLT (gRPC, protobuf, libstdc++'s
// operator new, lp) and which counts, then calls libc's. Calls inside libc to its own
// malloc are not counted. Under the sanitizers, which bring a malloc of their own, nothing
// is counted and MallocsCounted() is false.
//
// Thread safety: MallocsSoFar() may be called from any thread; the count is exact once the
// threads that allocated are done with the allocations being counted.
#ifndef LP_BENCH_RPC_MALLOC_COUNT_H_
#define LP_BENCH_RPC_MALLOC_COUNT_H_

#include <cstdint>

namespace lp::bench {

// Whether this build counts (false under ASan or TSan).
bool MallocsCounted();

// The calls to malloc so far in this process (0 when not counted).
int64_t MallocsSoFar();

}  // namespace lp::bench

#endif  // LP_BENCH_RPC_MALLOC_COUNT_H_
