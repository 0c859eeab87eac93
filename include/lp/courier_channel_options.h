// CourierChannelOptions and AddressResolver: how a CourierChannel finds and talks to a server.
#ifndef LP_COURIER_CHANNEL_OPTIONS_H_
#define LP_COURIER_CHANNEL_OPTIONS_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lp {

class CallScope;  // src/courier/rpc/call_scope.h
namespace rpc {
struct TransportSecurity;  // src/courier/rpc/transport_security.h
}  // namespace rpc

// The largest messages one client sends and accepts, in bytes; -1: protobuf's 2 GiB - 1
// only. A client made from a handle takes them from CourierHandle::WithMessageLimits.
struct CourierMessageLimits {
  // A request over it fails its call with RESOURCE_EXHAUSTED naming the method and the
  // size, before it is sent.
  int max_send_message_bytes = -1;
  // A reply over it fails its call with gRPC's RESOURCE_EXHAUSTED; the reply is refused
  // as it arrives, so a caller that lowers it bounds the memory a server can make it use.
  int max_receive_message_bytes = -1;
};

struct CourierChannelOptions {
  // Largest message accepted / sent, in bytes; -1 means no limit beyond protobuf's own
  // 2 GiB. gRPC's 4 MiB default would reject ordinary tensors.
  int max_receive_message_bytes = -1;
  int max_send_message_bytes = -1;

  // Longest pause between attempts to reach a server that is not listening (gRPC's
  // default grows to 120 s). A wait-for-ready call made long before its server starts
  // succeeds at most about this long after the server is up.
  absl::Duration max_reconnect_backoff = absl::Seconds(1);

  // Sent with every call (and ListMethods) in gRPC metadata 'lp-secret'
  // (rpc::kSecretMetadataKey), for servers that require it (CourierServer::SetSecret).
  // A client made from a handle sends its launch's secret. Empty: none is sent.
  std::string secret;

  // Mutual TLS (the launch's, for a client made from a handle); null: plain TCP.
  std::shared_ptr<const rpc::TransportSecurity> transport;

  // Names the server in the process's metrics: the `target` label of
  // lp_courier_calls_made_total and its kin (a client made from a handle: the node,
  // "group/index"). Empty: the gRPC target ("host:port").
  std::string peer_name;

  // The scope every call of the channel enters (see call_scope.h): cancelling it ends the
  // calls in flight and refuses new ones with its reason. None: calls end only by their
  // deadline or the server.
  std::shared_ptr<CallScope> scope;

  // Tensor arguments of at least 1 MiB go to a server on this machine through shared
  // memory once it offers that (an lp server does, unless LP_SAME_HOST_TENSORS=0): two
  // copies of their bytes instead of four, and no socket (docs/courier.md, "Tensors
  // between processes of one machine"). false: always in the request.
  bool same_host_tensors = true;

  // A server of this process that the target names (an address it listens at) is called
  // through gRPC's in-process transport: no socket, no system call, no copy of the bytes;
  // TLS is skipped, the secret is still checked (docs/courier.md, "Calls within one
  // process"). The choice is made when the target is known; once that server stops, the
  // channel's later calls go through a socket, as they would have all along. A client
  // made from a handle sets it unless LP_IN_PROCESS_CALLS=0. false: always a socket.
  bool in_process = false;

  // A server on this host that the target names by a numeric address (or localhost) is
  // called through the Unix socket it listens on besides its TCP port, if it has one (an
  // lp server without TLS does, unless LP_LOCAL_SOCKETS=0): the same calls without the
  // kernel's TCP stack (docs/courier.md, "Calls between processes of one host"). The
  // choice is made when the target is known; without TLS only. false: always TCP.
  bool local_socket = true;
};

// Returns the gRPC target ("host:port", "unix:/path", ...) of the server, blocking until
// it is known (e.g. until the node registered its bound port with the coordinator) or
// `deadline` passes (absl::InfiniteFuture() when the call has no deadline). Called on the
// caller's thread, lazily, by at most one call at a time; an error fails the calls waiting
// for it, and the next call tries again. Once it succeeds the target is kept for good.
using AddressResolver = std::function<absl::StatusOr<std::string>(absl::Time deadline)>;

}  // namespace lp

#endif  // LP_COURIER_CHANNEL_OPTIONS_H_
