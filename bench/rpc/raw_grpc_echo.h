// The baselines: raw gRPC unary echoes of bytes (lp_bench.RawEcho), generated code and
// nothing of ours in the path. Two ways to serve and to call:
//   kSync      sync server (a thread per running call); blocking calls through the sync
//              stub, calls in flight through the callback stub, each completion handed to
//              one waiting thread as a future would be (as the lp side must).
//   kCallback  callback server (grpc::CallbackService, ServerUnaryReactor); every call
//              through the callback stub, and calls in flight started again from the
//              completion callback of the previous one: no thread waits in between. The
//              best plain gRPC can do, the target lp is measured against.
//   kCallbackWaited  the same server and stub, calls in flight waited for in order by
//              one thread, as kSync's are: raw gRPC used the way lp's default side uses
//              lp (futures), so that lp's own layers can be told from the way of use.
//              With SetWaitedThroughQueue(true) (bench_rpc --raw_waited=queue), its calls
//              in flight go through the async stub and one completion queue instead, which
//              the waiting thread polls itself until the call it waits for is done, as
//              gRPC's sync calls wait: a future whose waiter needs no other thread to
//              wake it.
#ifndef LP_BENCH_RPC_RAW_GRPC_ECHO_H_
#define LP_BENCH_RPC_RAW_GRPC_ECHO_H_

#include <memory>

#include "bench/rpc/echo_client.h"

namespace lp::bench {

enum class RawApi { kSync, kCallback, kCallbackWaited };

// Set (to anything), raw gRPC's servers also listen on a Unix socket and its clients call
// them there instead of over TCP (bench_rpc --raw_transport=unix); read by the servers of
// child processes too.
inline constexpr char kRawUnixEnv[] = "LP_BENCH_RAW_UNIX";

// How kCallbackWaited's clients wait for their calls in flight (see above). Set before
// any client is made.
void SetWaitedThroughQueue(bool through_queue);

std::unique_ptr<EchoServer> StartRawGrpcEchoServer(RawApi api);
// kInProcess: `port` must be that of a server of this process (StartRawGrpcEchoServer).
std::unique_ptr<EchoClient> ConnectRawGrpcEcho(int port, RawApi api, Transport transport);

}  // namespace lp::bench

#endif  // LP_BENCH_RPC_RAW_GRPC_ECHO_H_
