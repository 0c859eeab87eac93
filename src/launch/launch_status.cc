#include "src/launch/launch_status.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "lp/internal/program_nodes.h"
#include "src/launch/supervisor.h"

namespace lp::internal {

namespace {

// How many of a node's last output lines the page shows.
constexpr size_t kOutputLines = 5;

void AddNode(const std::shared_ptr<NodeImpl>& node, const std::string& parent,
             ProgramStatus& status) {
  NodeStatus row;
  row.id = node->record()->id();
  row.kind = node->TypeName();
  row.parent = parent;
  status.nodes.push_back(std::move(row));
  const std::string id = node->record()->id().ToString();
  for (const std::shared_ptr<NodeImpl>& inner : node->InnerNodes()) AddNode(inner, id, status);
}

std::string ThisHost() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "";
  return name;
}

}  // namespace

ProgramStatus InitialStatus(const Program& program, const ResolvedLaunchOptions& options,
                            const Runtime& runtime) {
  ProgramStatus status;
  status.name = program.name();
  status.launch_type = std::string(LaunchTypeName(options.launch_type));
  status.launch_id = runtime.launch.id;
  status.started_at = runtime.launch.start;
  for (const Program::GroupNodes& group : program.Groups()) {
    for (const std::shared_ptr<NodeImpl>& node : group.nodes) AddNode(node, "", status);
  }
  return status;
}

ProgramStatus LaunchStatus::Status() {
  ProgramStatus status = supervisor_.status().Snapshot();
  const bool threads = supervisor_.RunsNodesAsThreads();
  const std::string host = threads ? ThisHost() : "";
  for (NodeStatus& node : status.nodes) {
    node.last_output = supervisor_.LastOutputLines(node.id, kOutputLines);
    if (!threads) continue;
    node.host = host;
    node.pid = getpid();
    if (node.address.empty() && !IsEnded(node.state)) {
      // Published in this process's own address book: answered at once.
      absl::StatusOr<std::string> address =
          supervisor_.runtime()->addresses->Resolve(node.id, kCourierEndpoint, absl::Now());
      if (address.ok()) node.address = *address;
    }
  }
  return status;
}

absl::StatusOr<std::string> LaunchStatus::Metrics() {
  return absl::UnimplementedError("metrics are not collected yet");
}

absl::StatusOr<std::string> LaunchStatus::GraphSvg(const ProgramStatus&) {
  return absl::UnimplementedError("the program graph is not drawn yet");
}

}  // namespace lp::internal
