#ifndef LP_BENCH_LAUNCH_GRPC_BASELINE_H_
#define LP_BENCH_LAUNCH_GRPC_BASELINE_H_

#include <vector>

namespace lp::bench {

// The gRPC baseline's calls: one call to each server of bench_launch_grpc_child on
// 127.0.0.1:<port>, 16 at a time, each through a channel of its own (as lp's launch
// measurement calls each node through a client of its own). Waits until every server has
// answered; false, and why on stderr, if a call failed.
bool CallEachGrpcBaselineServer(const std::vector<int>& ports);

}  // namespace lp::bench

#endif  // LP_BENCH_LAUNCH_GRPC_BASELINE_H_
