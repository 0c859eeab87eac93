// Where bench_rpc's threads run, and how much CPU they used.
#ifndef LP_BENCH_RPC_PLACEMENT_H_
#define LP_BENCH_RPC_PLACEMENT_H_

#include <string>

namespace lp::bench {

// User + system CPU seconds of every thread of this process so far (getrusage
// RUSAGE_SELF): the client's, and in one-process mode the server's too.
double ProcessCpuSeconds();

// Where the threads of this process may run, as the kernel has it now:
// "CPUs 0 (all 12 threads)", or "CPUs 0-1 (10 threads), CPUs 0 (2 threads)".
std::string ThreadPlacement();

}  // namespace lp::bench

#endif  // LP_BENCH_RPC_PLACEMENT_H_
