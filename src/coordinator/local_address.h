#ifndef LP_SRC_COORDINATOR_LOCAL_ADDRESS_H_
#define LP_SRC_COORDINATOR_LOCAL_ADDRESS_H_

// Which of this machine's addresses other machines can reach it at.
//
// A worker's servers must publish an address the other workers can connect to. On one
// host that is loopback; under Slurm it is the IP of the interface that routes towards
// the launcher, which the kernel tells us without sending a packet: "connect" a UDP socket
// to the coordinator's host and ask for the socket's local address.

#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"

namespace lp::internal {

// The IP address (no brackets, no port) of the local interface the kernel would use to
// reach `host` (a name, an IPv4 address, or an IPv6 address with or without brackets).
// Sends nothing on the network.
absl::StatusOr<std::string> LocalAddressTowards(const std::string& host);

// Splits "host:port", "[v6]:port" into host (brackets removed) and port.
absl::StatusOr<std::pair<std::string, int>> SplitHostPort(std::string_view address);

// "host:port", bracketing an IPv6 host: the form gRPC targets take.
std::string JoinHostPort(std::string_view host, int port);
// The same with the port as text (a placeholder such as "<port>" in a printed command).
std::string JoinHostPort(std::string_view host, std::string_view port);

}  // namespace lp::internal

#endif  // LP_SRC_COORDINATOR_LOCAL_ADDRESS_H_
