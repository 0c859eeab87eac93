// What bench_rpc measures, implemented once per side.
//
// A side is a server and the client that calls it: lp Courier (the typed API programs
// use: LP_COURIER_METHODS, CourierClient<T>) used by default and with inline methods and
// chained calls (courier_echo.h), raw gRPC with a sync server, and raw gRPC with a
// callback server and a callback client (the best plain gRPC can do), whose calls in
// flight are chained or waited for in order (raw_grpc_echo.h). A side's client runs in a
// child process of bench_rpc (bench_rpc --call=SIDE), its server in that process or in one
// of its own (bench_rpc --serve=SIDE); the client only knows its port. The measurements
// (client_job.h) only see these interfaces.
#ifndef LP_BENCH_RPC_ECHO_CLIENT_H_
#define LP_BENCH_RPC_ECHO_CLIENT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/time/time.h"

namespace lp::bench {

enum class Side { kCourier, kCourierInline, kRawSync, kRawCallback, kRawCallbackWaited };
inline constexpr Side kAllSides[] = {Side::kRawSync, Side::kRawCallback,
                                     Side::kRawCallbackWaited, Side::kCourier,
                                     Side::kCourierInline};

// "lp", "lp-inline", "raw-sync", "raw-callback", "raw-callback-waited": the --serve=SIDE
// spelling.
std::string_view SideFlag(Side side);
std::optional<Side> ParseSide(std::string_view flag);
// "lp Courier", "lp inline+chained", "raw sync", "raw callback", "raw cb, waited": as the
// tables print it.
std::string_view SideTitle(Side side);

// How a client reaches its server. kInProcess: gRPC's in-process transport, to a server of
// this process (lp: CourierChannelOptions::in_process, as clients made from handles use it
// in a local_mt program; raw gRPC: grpc::Server::InProcessChannel). No socket either way.
enum class Transport { kTcp, kInProcess };

// A server listening on 127.0.0.1; destroying it shuts it down.
class EchoServer {
 public:
  virtual ~EchoServer() = default;
  virtual int port() const = 0;
};

// Aborts if the server cannot start (a benchmark with failures measures nothing).
std::unique_ptr<EchoServer> StartEchoServer(Side side);

// The bytes a raw gRPC server keeps for Produce: `bytes` zeros, made once per size and kept
// for the life of the process. Thread-safe.
const std::string& KeptParameters(size_t bytes);

// Not thread-safe: one thread drives a client (its calls complete on gRPC's threads).
// Every method aborts on an error or a wrong answer.
class EchoClient {
 public:
  virtual ~EchoClient() = default;

  // --- Echo of a string: the payload goes there and back. -----------------------------

  // Sets the payload of Echo() and EchoInFlight(): `bytes` bytes.
  virtual void SetEchoPayload(size_t bytes) = 0;
  // One blocking echo. The payload is moved into the request and the echoed bytes are
  // kept for the next call, so no copy outside the transport is timed.
  virtual void Echo() = 0;
  // Keeps `in_flight` echoes of copies of the payload running until `until`, then waits
  // for the last ones; returns how many completed.
  virtual int64_t EchoInFlight(int in_flight, absl::Time until) = 0;

  // --- Argument transfer: a float32 tensor (raw gRPC: its bytes) goes to the server,
  // which answers with its element count. ---------------------------------------------

  virtual void SetTransferBytes(size_t bytes) = 0;
  // Whether lp's client sends its tensors through shared memory to a server of this host
  // that offers it (CourierChannelOptions::same_host_tensors); raw gRPC has no such path
  // and ignores it. The first Transfer() after a change learns the server's offer.
  virtual void UseSameHostPath(bool /*use*/) {}
  // Untimed: makes the argument of the next Transfer() ready (e.g. a fresh tensor to move
  // into the call, since the previous one was given away).
  virtual void PrepareTransfer() = 0;
  // One blocking call carrying the argument; checks the count.
  virtual void Transfer() = 0;

  // --- Result transfer: a small request, and a float32 tensor of SetTransferBytes' bytes
  // (raw gRPC: its bytes) back, copied by the server from what it keeps, as a learner
  // returns its parameters. -------------------------------------------------------------

  // One blocking call; checks the result's size.
  virtual void Fetch() = 0;
  // How many tensors lp's result is split into (a dict of them, as a learner's
  // parameters by layer; 1: one tensor). Raw gRPC's result stays one bytes field of the
  // same size, the cheapest way gRPC can send those bytes.
  virtual void SetFetchParts(int /*parts*/) {}
};

std::unique_ptr<EchoClient> ConnectEchoClient(Side side, int port, Transport transport);

// A call in flight; Wait() blocks until it completed (and checks its result).
class PendingEcho {
 public:
  virtual ~PendingEcho() = default;
  virtual void Wait() = 0;
};

// EchoInFlight for clients whose calls are futures, waited for by the calling thread as a
// program holding futures would: starts `in_flight` calls, then each time the oldest
// completes, starts another, until `until`. Returns how many completed.
int64_t KeepInFlightByWaiting(int in_flight, absl::Time until,
                              absl::FunctionRef<std::unique_ptr<PendingEcho>()> start);

}  // namespace lp::bench

#endif  // LP_BENCH_RPC_ECHO_CLIENT_H_
