#ifndef LP_SRC_NET_HOST_PORT_H_
#define LP_SRC_NET_HOST_PORT_H_

// "host:port" addresses as gRPC targets write them, IPv6 hosts in brackets.

#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"

namespace lp::internal {

// Splits "host:port", "[v6]:port" into host (brackets removed) and port.
absl::StatusOr<std::pair<std::string, int>> SplitHostPort(std::string_view address);

// "host:port", bracketing an IPv6 host: the form gRPC targets take.
std::string JoinHostPort(std::string_view host, int port);
// The same with the port as text (a placeholder such as "<port>" in a printed command).
std::string JoinHostPort(std::string_view host, std::string_view port);

// `host` without the brackets of an IPv6 literal ("[::1]" -> "::1").
std::string StripBrackets(std::string_view host);

}  // namespace lp::internal

#endif  // LP_SRC_NET_HOST_PORT_H_
