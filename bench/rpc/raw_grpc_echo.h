// The baseline: a raw gRPC unary echo of bytes (lp_bench.RawEcho/Echo), sync server,
// generated stub, nothing of ours in the path.
#ifndef LP_BENCH_RPC_RAW_GRPC_ECHO_H_
#define LP_BENCH_RPC_RAW_GRPC_ECHO_H_

#include <memory>

#include "bench/rpc/echo_client.h"

namespace lp::bench {

std::unique_ptr<EchoClient> MakeRawGrpcEcho();

}  // namespace lp::bench

#endif  // LP_BENCH_RPC_RAW_GRPC_ECHO_H_
