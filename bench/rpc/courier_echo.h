// The measured side: a class exposing Echo and Consume with LP_COURIER_METHODS, served by
// lp::CourierServer, called through lp::CourierClient<T> — the typed API programs use.
#ifndef LP_BENCH_RPC_COURIER_ECHO_H_
#define LP_BENCH_RPC_COURIER_ECHO_H_

#include <memory>

#include "bench/rpc/echo_client.h"

namespace lp::bench {

std::unique_ptr<EchoServer> StartCourierEchoServer();
std::unique_ptr<EchoClient> ConnectCourierEcho(int port);

}  // namespace lp::bench

#endif  // LP_BENCH_RPC_COURIER_ECHO_H_
