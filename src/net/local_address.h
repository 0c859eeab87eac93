#ifndef LP_SRC_NET_LOCAL_ADDRESS_H_
#define LP_SRC_NET_LOCAL_ADDRESS_H_

// Which of this machine's addresses other machines can reach it at.
//
// A worker's servers must publish an address the other workers can connect to. On one
// host that is loopback; under Slurm it is the IP of the interface that routes towards
// the launcher, which the kernel tells us without sending a packet: "connect" a UDP socket
// to the coordinator's host and ask for the socket's local address.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace lp::internal {

// The IP address (no brackets, no port) of the local interface the kernel would use to
// reach `host` (a name, an IPv4 address, or an IPv6 address with or without brackets).
// Sends nothing on the network.
absl::StatusOr<std::string> LocalAddressTowards(const std::string& host);

// Whether `host` is a literal loopback address (127.0.0.0/8, ::1; no brackets).
bool IsLoopbackAddress(const std::string& host);

// Whether a TCP connection to the literal IP address `host` (no brackets) stays on this
// machine: a loopback address, or one of its interfaces' (getifaddrs). false for names.
bool IsLocalAddress(const std::string& host);

// A host as a server binds to it or a client names it, in one spelling, so that two
// spellings of one address compare equal: a numeric address as inet_ntop writes it
// (brackets removed: "[::1]" and "0:0:0:0:0:0:0:1" give "::1"), "::" for "" (gRPC binds
// an empty host to every address), a name as given.
std::string CanonicalHost(std::string_view host);

// Whether `host` is a numeric IPv4 or IPv6 address (no brackets), not a name.
bool IsNumericAddress(const std::string& host);

// The numeric addresses "localhost" resolves to here (getaddrinfo, so /etc/hosts): those
// a connection to localhost may go to, and those gRPC binds a server to for "localhost".
std::vector<std::string> LocalhostAddresses();

// The hosts (CanonicalHost) a server of this network namespace may be bound to for a TCP
// connection to `host` (CanonicalHost) to reach it, most specific first: `host` itself;
// for "localhost", the addresses it resolves to (LocalhostAddresses), and for each of
// those, "localhost"; for a connection to any address of this machine (IsLocalAddress),
// "0.0.0.0" and "::", which gRPC binds alike, to every address, IPv4 and IPv6. Names
// other than localhost reach only a server bound to the same name; they are not looked
// up. The one rule for every shortcut that stands in for a TCP connection (the in-process
// transport, local sockets), so that a shortcut reaches exactly the server the connection
// would.
std::vector<std::string> BindHostsReachedBy(const std::string& host);

// This machine's host name, as gethostname() gives it; "unknown-host" if it fails.
std::string LocalHostName();

}  // namespace lp::internal

#endif  // LP_SRC_NET_LOCAL_ADDRESS_H_
