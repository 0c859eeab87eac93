// The measured side: lp::CourierServer with an "Echo" method returning its first
// argument, called through lp::CourierChannel (the untyped API).
#ifndef LP_BENCH_RPC_COURIER_ECHO_H_
#define LP_BENCH_RPC_COURIER_ECHO_H_

#include <memory>

#include "bench/rpc/echo_client.h"

namespace lp::bench {

std::unique_ptr<EchoClient> MakeCourierEcho();

}  // namespace lp::bench

#endif  // LP_BENCH_RPC_COURIER_ECHO_H_
