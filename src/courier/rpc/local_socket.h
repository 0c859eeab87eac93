// Calls between processes of one host through a Unix socket (docs/courier.md, "Calls
// between processes of one host").
//
// A Courier server that listens on TCP in clear (no TLS) also listens on an abstract Unix
// socket named after the address and port it is bound to. A channel whose target is a
// numeric address of this host connects to that socket instead of the TCP port, when it
// exists: the same server, the same calls, metadata, deadlines, limits and secret, without
// the kernel's TCP stack (about a sixth of a small call's CPU between two processes,
// docs/performance.md).
//
// Why the name stands for the server a TCP connection would reach: abstract Unix socket
// names belong to the network namespace, as TCP ports and the host's addresses do. Within
// one namespace only one listener holds a TCP address and port, so only one server holds
// the name made from them; a wildcard bind ("0.0.0.0", "::") excludes every other bind of
// its port. A client looks for the names of the servers a TCP connection would reach, by
// the rule the in-process transport follows too (internal::BindHostsReachedBy): the exact
// address first and, when the address is one of this namespace's own, the wildcard ones.
// Another host, or another network namespace on this one (the multi-host tests), never
// sees the name.
#ifndef LP_SRC_COURIER_RPC_LOCAL_SOCKET_H_
#define LP_SRC_COURIER_RPC_LOCAL_SOCKET_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace grpc {
class Server;
}  // namespace grpc

namespace lp::rpc {

// Whether servers listen on, and channels look for, local sockets: yes unless the
// environment sets LP_LOCAL_SOCKETS=0 (read each time).
bool LocalSocketsEnabled();

// The abstract socket name (without its leading NUL byte) of a server bound to the
// numeric `host` and `port`: "lp-courier/<host>/<port>", the host as CanonicalHost spells
// it ("0.0.0.0" or "::", for "" too, for every address); nullopt for a host
// that is not a numeric address.
std::optional<std::string> LocalSocketName(std::string_view host, int port);

// "unix-abstract:<name>" of the local socket of the Courier server that a TCP connection
// to `target` ("host:port", "[v6]:port", "localhost:port") would reach from this network
// namespace (internal::BindHostsReachedBy), if that server listens on one now; nullopt
// otherwise (a remote address, a name other than localhost, a server without one). One
// connection per name tried, which the server sees closed at once.
std::optional<std::string> LocalSocketTarget(std::string_view target);

// A server's local socket: accepts connections on it and hands them to the gRPC server,
// on one thread of the process shared by every listener.
//
// Thread safety: construction and destruction from any thread.
class LocalSocketListener {
 public:
  // Listens on the local socket of `server`, bound to `bind_address` ("host:port" as given
  // to CourierServer::Start) at `port`. INVALID_ARGUMENT if the address has no such name
  // (a host name, a Unix socket); UNAVAILABLE if another socket holds the name (clients
  // of this host then call the server over TCP, unless that socket listens).
  static absl::StatusOr<std::unique_ptr<LocalSocketListener>> Listen(std::string_view bind_address,
                                                                    int port,
                                                                    grpc::Server* server);

  // Stops accepting: once it returns, no connection is handed to the server any more, and
  // new clients of this host connect over TCP. Connections made before stay the server's.
  ~LocalSocketListener();

  LocalSocketListener(const LocalSocketListener&) = delete;
  LocalSocketListener& operator=(const LocalSocketListener&) = delete;

 private:
  explicit LocalSocketListener(int fd) : fd_(fd) {}

  const int fd_;  // listening, owned
};

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_LOCAL_SOCKET_H_
