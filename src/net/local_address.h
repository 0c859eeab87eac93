#ifndef LP_SRC_NET_LOCAL_ADDRESS_H_
#define LP_SRC_NET_LOCAL_ADDRESS_H_

// Which of this machine's addresses other machines can reach it at.
//
// A worker's servers must publish an address the other workers can connect to. On one
// host that is loopback; under Slurm it is the IP of the interface that routes towards
// the launcher, which the kernel tells us without sending a packet: "connect" a UDP socket
// to the coordinator's host and ask for the socket's local address.

#include <string>

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

// This machine's host name, as gethostname() gives it; "unknown-host" if it fails.
std::string LocalHostName();

}  // namespace lp::internal

#endif  // LP_SRC_NET_LOCAL_ADDRESS_H_
