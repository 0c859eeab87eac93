// The baselines: raw gRPC unary echoes of bytes (lp_bench.RawEcho), generated code and
// nothing of ours in the path. Two ways to serve and to call:
//   kSync      sync server (a thread per running call); blocking calls through the sync
//              stub, calls in flight through the callback stub, each completion handed to
//              one waiting thread as a future would be (as the lp side must).
//   kCallback  callback server (grpc::CallbackService, ServerUnaryReactor); every call
//              through the callback stub, and calls in flight started again from the
//              completion callback of the previous one: no thread waits in between. The
//              best plain gRPC can do, the target lp is measured against.
#ifndef LP_BENCH_RPC_RAW_GRPC_ECHO_H_
#define LP_BENCH_RPC_RAW_GRPC_ECHO_H_

#include <memory>

#include "bench/rpc/echo_client.h"

namespace lp::bench {

enum class RawApi { kSync, kCallback };

std::unique_ptr<EchoServer> StartRawGrpcEchoServer(RawApi api);
std::unique_ptr<EchoClient> ConnectRawGrpcEcho(int port, RawApi api);

}  // namespace lp::bench

#endif  // LP_BENCH_RPC_RAW_GRPC_ECHO_H_
