#include "src/net/host_port.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace lp::internal {

std::string StripBrackets(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return std::string(host);
}

absl::StatusOr<std::pair<std::string, int>> SplitHostPort(std::string_view address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(std::string(address.substr(colon + 1)), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", std::string(address), "' is not an address of the form host:port"));
  }
  return std::make_pair(StripBrackets(address.substr(0, colon)), port);
}

std::string JoinHostPort(std::string_view host, int port) {
  return JoinHostPort(host, std::to_string(port));
}

std::string JoinHostPort(std::string_view host, std::string_view port) {
  const bool v6 = host.find(':') != std::string_view::npos;
  return v6 ? absl::StrCat("[", std::string(host), "]:", std::string(port))
            : absl::StrCat(std::string(host), ":", std::string(port));
}

}  // namespace lp::internal
