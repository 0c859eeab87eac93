#include "src/launch/worker_assignment.h"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "src/coordinator/env.h"

namespace lp::internal {
namespace {

std::atomic<int> g_next_launch_index{0};

}  // namespace

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

int NextLaunchIndex() { return g_next_launch_index.fetch_add(1); }

void ResetLaunchIndex() { g_next_launch_index = 0; }

}  // namespace lp::internal
