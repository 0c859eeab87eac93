// EchoClient: what bench_rpc measures, implemented once per transport.
//
// Each implementation owns its server (in this process) and a client connected to it.
// The raw gRPC one is the baseline; the lp Courier one goes through the typed API that
// programs use (LP_COURIER_METHODS, CourierClient<T>). The scenarios in bench_rpc_main.cc
// only see this interface.
#ifndef LP_BENCH_RPC_ECHO_CLIENT_H_
#define LP_BENCH_RPC_ECHO_CLIENT_H_

#include <cstddef>
#include <memory>
#include <string>

namespace lp::bench {

class EchoClient {
 public:
  // A call in flight; Wait() blocks until it completed (and checks its result).
  class Pending {
   public:
    virtual ~Pending() = default;
    virtual void Wait() = 0;
  };

  virtual ~EchoClient() = default;

  virtual std::string Name() const = 0;

  // --- Echo of a string: the payload goes there and back. -----------------------------

  // Sets the payload of Echo() and StartEcho(): `bytes` bytes.
  virtual void SetEchoPayload(size_t bytes) = 0;
  // One blocking echo. The payload is moved into the request and the echoed bytes are
  // kept for the next call, so no copy outside the transport is timed.
  // Aborts on error (a benchmark with failures measures nothing).
  virtual void Echo() = 0;
  // Starts one echo of a copy of the payload.
  virtual std::unique_ptr<Pending> StartEcho() = 0;

  // --- Argument transfer: a float32 tensor (raw gRPC: its bytes) goes to the server,
  // which answers with its element count. ---------------------------------------------

  virtual void SetTransferBytes(size_t bytes) = 0;
  // Untimed: makes the argument of the next Transfer() ready (e.g. a fresh tensor to move
  // into the call, since the previous one was given away).
  virtual void PrepareTransfer() = 0;
  // One blocking call carrying the argument; checks the count.
  virtual void Transfer() = 0;
};

}  // namespace lp::bench

#endif  // LP_BENCH_RPC_ECHO_CLIENT_H_
