// The measured sides: a class exposing Echo and Consume with LP_COURIER_METHODS, served by
// lp::CourierServer, called through lp::CourierClient<T> — the typed API programs use.
// Two ways to use it:
//   kDefault  handlers on the server's handler threads; calls in flight are lp::Futures
//             that the calling thread waits for, oldest first
//   kInline   the methods registered to run inline (CourierNode::RunInline: they never
//             block), and each completion starting the next call (Future::OnReady), as
//             raw gRPC's callback server and client do
#ifndef LP_BENCH_RPC_COURIER_ECHO_H_
#define LP_BENCH_RPC_COURIER_ECHO_H_

#include <memory>

#include "bench/rpc/echo_client.h"

namespace lp::bench {

enum class CourierUse { kDefault, kInline };

std::unique_ptr<EchoServer> StartCourierEchoServer(CourierUse use);
std::unique_ptr<EchoClient> ConnectCourierEcho(int port, CourierUse use, Transport transport);

}  // namespace lp::bench

#endif  // LP_BENCH_RPC_COURIER_ECHO_H_
