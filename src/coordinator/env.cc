#include "src/coordinator/env.h"

#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "src/net/host_port.h"

namespace lp::internal {

absl::StatusOr<std::string> GetEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    return absl::NotFoundError(absl::StrCat(
        "environment variable ", name,
        " is not set; this process was not started by a Launchpad launcher"));
  }
  return std::string(value);
}

absl::StatusOr<std::string> CoordinatorAddressFromEnvironment() {
  if (absl::StatusOr<std::string> address = GetEnv(kCoordinatorAddressEnv); address.ok()) {
    return address;
  }
  absl::StatusOr<std::string> port = GetEnv(kCoordinatorPortEnv);
  absl::StatusOr<std::string> host = GetEnv(kSlurmLaunchHostEnv);
  if (!port.ok() || !host.ok()) {
    return absl::NotFoundError(absl::StrCat(
        "neither ", kCoordinatorAddressEnv, " nor ", kCoordinatorPortEnv, " with ",
        kSlurmLaunchHostEnv, " is set; this process was not started by a Launchpad launcher"));
  }
  int port_number = 0;
  if (!absl::SimpleAtoi(*port, &port_number) || port_number <= 0 || port_number > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(kCoordinatorPortEnv, "='", *port, "' is not a port number"));
  }
  return JoinHostPort(*host, port_number);
}

absl::StatusOr<NodeId> ParseNodeId(std::string_view text) {
  const size_t slash = text.rfind('/');
  int index = 0;
  if (slash == std::string_view::npos || slash == 0 ||
      !absl::SimpleAtoi(std::string(text.substr(slash + 1)), &index) || index < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", std::string(text), "' is not a node id of the form group/index"));
  }
  return NodeId{std::string(text.substr(0, slash)), index};
}

}  // namespace lp::internal
