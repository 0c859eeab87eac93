#include "src/status/exit_summary.h"

#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace lp::internal {

namespace {

struct GroupCounts {
  int exited = 0;
  int failed = 0;
  int killed = 0;
  int other = 0;  // not ended: the summary came before the end (it should not)
  int restarts = 0;
};

}  // namespace

std::string ExitSummary(const ProgramStatus& program, absl::Time now) {
  std::vector<std::string> order;  // groups in program order
  std::map<std::string, GroupCounts> groups;
  for (const NodeStatus& node : program.nodes) {
    if (!groups.contains(node.id.group)) order.push_back(node.id.group);
    GroupCounts& counts = groups[node.id.group];
    counts.restarts += node.restarts;
    switch (node.state) {
      case NodeState::kExited:
        ++counts.exited;
        break;
      case NodeState::kFailed:
        ++counts.failed;
        break;
      case NodeState::kKilled:
        ++counts.killed;
        break;
      default:
        ++counts.other;
    }
  }
  std::vector<std::string> parts;
  for (const std::string& group : order) {
    const GroupCounts& counts = groups[group];
    std::vector<std::string> ends;
    if (counts.exited > 0) ends.push_back(absl::StrCat(counts.exited, " exited"));
    if (counts.failed > 0) ends.push_back(absl::StrCat(counts.failed, " failed"));
    if (counts.killed > 0) ends.push_back(absl::StrCat(counts.killed, " killed"));
    if (counts.other > 0) ends.push_back(absl::StrCat(counts.other, " still running"));
    std::string part = absl::StrCat(group, " ", absl::StrJoin(ends, ", "));
    if (counts.restarts > 0) {
      absl::StrAppend(&part, " (restarted ", counts.restarts,
                      counts.restarts == 1 ? " time)" : " times)");
    }
    parts.push_back(std::move(part));
  }
  return absl::StrFormat("lp: program '%s' ran %.1f s: %s\n", program.name,
                         absl::ToDoubleSeconds(now - program.started_at),
                         absl::StrJoin(parts, "; "));
}

}  // namespace lp::internal
