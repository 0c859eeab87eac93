#include "src/core/worker_environment.h"

#include <cstdint>
#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
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

absl::StatusOr<std::optional<WorkerAssignment>> WorkerAssignmentFromEnvironment() {
  const char* node = std::getenv(kNodeEnv);
  const char* group = std::getenv(kNodeGroupEnv);
  WorkerAssignment assignment;
  if (node != nullptr && *node != '\0') {
    absl::StatusOr<NodeId> id = ParseNodeId(node);
    if (!id.ok()) return id.status();
    assignment.node = *std::move(id);
  } else if (group != nullptr && *group != '\0') {
    absl::StatusOr<std::string> rank = GetEnv(kSlurmTaskRankEnv);
    if (!rank.ok()) return rank.status();
    int index = 0;
    if (!absl::SimpleAtoi(*rank, &index) || index < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(kSlurmTaskRankEnv, "='", *rank, "' is not a task rank"));
    }
    assignment.node = NodeId{group, index};
  } else {
    return std::nullopt;
  }
  absl::StatusOr<std::string> index = GetEnv(kLaunchIndexEnv);
  if (!index.ok()) return index.status();
  if (!absl::SimpleAtoi(*index, &assignment.launch_index) || assignment.launch_index < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(kLaunchIndexEnv, "='", *index, "' is not a launch index"));
  }
  absl::StatusOr<std::string> type = GetEnv(kLaunchTypeEnv);
  if (!type.ok()) return type.status();
  absl::StatusOr<LaunchType> parsed = ParseLaunchType(*type);
  if (!parsed.ok()) return parsed.status();
  assignment.launch_type = *parsed;
  absl::StatusOr<std::string> launch_id = GetEnv(kLaunchIdEnv);
  if (!launch_id.ok()) return launch_id.status();
  assignment.launch.id = *std::move(launch_id);
  absl::StatusOr<std::string> start = GetEnv(kLaunchStartEnv);
  if (!start.ok()) return start.status();
  int64_t micros = 0;
  if (!absl::SimpleAtoi(*start, &micros)) {
    return absl::InvalidArgumentError(
        absl::StrCat(kLaunchStartEnv, "='", *start, "' is not a number of microseconds"));
  }
  assignment.launch.start = absl::FromUnixMicros(micros);
  return assignment;
}

std::vector<std::pair<std::string, std::string>> LaunchIdentityEnvironment(
    const LaunchIdentity& launch) {
  return {{kLaunchIdEnv, launch.id},
          {kLaunchStartEnv, std::to_string(absl::ToUnixMicros(launch.start))}};
}

std::string EncodeGroupArgs(const std::map<std::string, std::string>& args) {
  std::vector<std::string> lines;
  for (const auto& [key, value] : args) {
    lines.push_back(absl::CEscape(absl::StrCat("--", key, "=", value)));
  }
  return absl::StrJoin(lines, "\n");
}

std::vector<std::string> GroupArgsFromEnvironment() {
  std::vector<std::string> args;
  absl::StatusOr<std::string> value = GetEnv(kGroupArgsEnv);
  if (!value.ok()) return args;
  for (absl::string_view line : absl::StrSplit(*value, '\n', absl::SkipEmpty())) {
    std::string arg;
    // Written by EncodeGroupArgs: a line that does not unescape was not, and is left out.
    if (absl::CUnescape(line, &arg)) args.push_back(std::move(arg));
  }
  return args;
}

}  // namespace lp::internal
