// Calls between nodes of one process without a socket (docs/courier.md, "Calls within one
// process").
//
// A client that names a Courier server by an address at which that server listens in its
// own process (a local_mt program's nodes, the nodes of a colocation) is given a channel on
// gRPC's in-process transport: the same calls, metadata, deadlines, limits and secret, but
// no TCP, no system calls and no copies of the bytes. The servers of the process are kept
// here by what they listen at, and the client asks before it opens a socket.
#ifndef LP_SRC_COURIER_RPC_IN_PROCESS_SERVERS_H_
#define LP_SRC_COURIER_RPC_IN_PROCESS_SERVERS_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/server.h>
#include <grpcpp/support/channel_arguments.h>

#include "absl/time/time.h"

namespace lp::rpc {

// Whether clients made from handles call servers of their own process in process: yes
// unless the environment sets LP_IN_PROCESS_CALLS=0 (read when each client is made).
bool InProcessCallsEnabled();

// The calls made on the in-process channels of one server, so that the server shuts down
// for them as it does for callers on sockets. gRPC 1.51's in-process transport differs from
// TCP in two ways that matter here. Its server's shutdown closes the transport at once:
// calls in flight fail with UNAVAILABLE ("Transport closed") where calls on a socket get
// the shutdown's grace. And a call made on the channel after that dereferences a null
// function (SIGSEGV in its init_stream). So every call enters the gate before it is made and
// leaves when it ends, and the server closes the gate before its own shutdown: new calls
// are refused, calls in flight get until the shutdown's deadline, and a call being made is
// always let finish being made.
// Thread safety: every method may be called from any thread.
class InProcessGate {
 public:
  // Whether the server still takes calls. If true, Made() and Ended() must follow.
  // Both order the call's bytes for ThreadSanitizer too (TsanEdge).
  bool Enter();
  // The call is made: gRPC has it, and the server's shutdown can no longer harm it.
  void Made();
  // The call ended (its completion ran).
  void Ended();

  // Refuses later Enter()s, waits until `deadline` for the calls in flight to end, then
  // (whatever the deadline) for those being made to be made.
  void Close(absl::Time deadline);

 private:
  // Sequentially consistent, all three: either Enter() sees closed_, or Close() sees the
  // call counted.
  std::atomic<bool> closed_{false};
  std::atomic<int> in_flight_{0};  // entered and not ended
  std::atomic<int> being_made_{0};  // entered and not made
  std::mutex mu_;  // with ended_: Close()'s wait; Ended() takes it only once closed_
  std::condition_variable ended_;
};

// A channel to a server of this process, and that server's gate.
struct InProcessChannel {
  std::shared_ptr<grpc::Channel> channel;
  std::shared_ptr<InProcessGate> gate;
};

// The Courier servers of this process, by where they listen.
// Thread safety: every method may be called from any thread.
class InProcessServers {
 public:
  static InProcessServers& Get();

  // `server` listens at `bind_address` (what CourierServer::Start was given: "host:port",
  // "[v6]:port", "unix:/path", ...), bound to `port`. Until Remove(server), clients of this
  // process that name it by an address a socket would reach it at call it in process.
  // `called_in_process` runs (under this registry's lock, so not after Remove returned)
  // each time such a channel to it is made.
  void Add(const std::string& bind_address, int port, grpc::Server* server,
           std::function<void()> called_in_process = nullptr);

  // Forgets `server` and closes its gate with `deadline` (InProcessGate::Close); before its
  // shutdown. Later calls on channels made before are refused by the gate, and their
  // clients call through a socket instead.
  void Remove(const grpc::Server* server, absl::Time deadline);

  // A channel on the in-process transport to the server of this process that a socket to
  // `target` would reach, with its gate; a null channel if there is none. Which targets
  // reach a server: its own bind address, and those internal::BindHostsReachedBy names
  // (localhost for a server bound to an address localhost resolves to; any of this
  // machine's addresses for one bound to every address, "0.0.0.0" or "::"), with its port.
  // Names other than localhost are not looked up.
  InProcessChannel ChannelTo(const std::string& target, const grpc::ChannelArguments& arguments);

 private:
  struct Listener {
    std::string host;  // as bound (internal::CanonicalHost); the whole address for unix sockets
    int port = 0;         // 0 for unix sockets
    grpc::Server* server;
    std::shared_ptr<InProcessGate> gate;  // the server's
    std::function<void()> called_in_process;  // may be null
  };

  std::mutex mu_;
  std::vector<Listener> listeners_;  // guarded by mu_; searched once per channel made
};

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_IN_PROCESS_SERVERS_H_
