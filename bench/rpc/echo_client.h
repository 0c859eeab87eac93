// EchoClient: what bench_rpc measures, implemented once per transport.
//
// Each implementation owns its server (in this process) and a client connected to it.
// The raw gRPC one is the baseline; the Courier one is what we ship. To measure the
// typed API later, add a third implementation (or change courier_echo.cc); the scenarios
// in bench_rpc_main.cc only see this interface.
#ifndef LP_BENCH_RPC_ECHO_CLIENT_H_
#define LP_BENCH_RPC_ECHO_CLIENT_H_

#include <cstddef>
#include <functional>
#include <string>

namespace lp::bench {

class EchoClient {
 public:
  virtual ~EchoClient() = default;

  virtual std::string Name() const = 0;

  // Sets the payload echoed by CallSync() and CallAsync(): `bytes` bytes, as a plain
  // string when `as_tensor` is false, as a DT_FLOAT tensor when true (raw gRPC: bytes
  // either way).
  virtual void SetPayload(size_t bytes, bool as_tensor) = 0;

  // One blocking echo. The payload travels there and back; it is moved into the request
  // and back out of the response, so no copy outside the transport is timed.
  // Aborts on error (a benchmark with failures measures nothing).
  virtual void CallSync() = 0;

  // Starts one echo of a copy of the payload; `done` runs on a transport thread.
  virtual void CallAsync(std::function<void()> done) = 0;
};

}  // namespace lp::bench

#endif  // LP_BENCH_RPC_ECHO_CLIENT_H_
