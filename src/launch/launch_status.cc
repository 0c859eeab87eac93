#include "src/launch/launch_status.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "lp/internal/program_nodes.h"
#include "src/core/program_dot.h"
#include "src/graph/render_dot.h"
#include "src/launch/program_metrics.h"
#include "src/launch/supervisor.h"
#include "src/net/local_address.h"
#include "src/status/status_page.h"

namespace lp::internal {

namespace {

// How many of a node's last output lines the page shows.
constexpr size_t kOutputLines = 5;
// How long a scrape waits for the workers' metrics.
constexpr absl::Duration kMetricsTimeout = absl::Seconds(2);

// lp_node_state{node, state} (1 for the node's state, 0 for the others, so that a query
// can count the nodes in each) and lp_node_restarts_total{node}.
std::vector<prometheus::MetricFamily> NodeMetricFamilies(const ProgramStatus& status) {
  prometheus::MetricFamily states{.name = "lp_node_state",
                                  .help = "1 for the state the node is in (starting, "
                                          "registered, running, stopping, exited, failed, "
                                          "killed), 0 for the others",
                                  .type = prometheus::MetricType::Gauge,
                                  .metric = {}};
  prometheus::MetricFamily restarts{.name = "lp_node_restarts_total",
                                    .help = "Times a colocation started the node again",
                                    .type = prometheus::MetricType::Counter,
                                    .metric = {}};
  constexpr NodeState kStates[] = {NodeState::kStarting, NodeState::kRegistered,
                                   NodeState::kRunning,  NodeState::kStopping,
                                   NodeState::kExited,   NodeState::kFailed,
                                   NodeState::kKilled};
  for (const NodeStatus& node : status.nodes) {
    const std::string id = node.id.ToString();
    for (NodeState state : kStates) {
      prometheus::ClientMetric metric;
      metric.label = {{"node", id}, {"state", std::string(NodeStateName(state))}};
      metric.gauge.value = node.state == state ? 1 : 0;
      states.metric.push_back(std::move(metric));
    }
    prometheus::ClientMetric metric;
    metric.label = {{"node", id}};
    metric.counter.value = node.restarts;
    restarts.metric.push_back(std::move(metric));
  }
  return {std::move(states), std::move(restarts)};
}

void AddNode(const std::shared_ptr<NodeImpl>& node, const std::string& parent,
             ProgramStatus& status) {
  NodeStatus row;
  row.id = node->record()->id();
  row.kind = NodeKindName(*node);
  row.methods = node->CourierMethodNames();
  row.parent = parent;
  status.nodes.push_back(std::move(row));
  const std::string id = node->record()->id().ToString();
  for (const std::shared_ptr<NodeImpl>& inner : node->InnerNodes()) AddNode(inner, id, status);
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
  const std::string host = threads ? LocalHostName() : "";
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
  // The board alone: states and restarts, without Status()'s output lines and addresses.
  return CollectProgramMetrics(supervisor_.coordinator().get(), kMetricsTimeout,
                               NodeMetricFamilies(supervisor_.status().Snapshot()));
}

absl::StatusOr<std::string> LaunchStatus::GraphSvg(const ProgramStatus& status) {
  DotStyle style;
  std::string states;
  for (const NodeStatus& node : status.nodes) {
    const std::string id = node.id.ToString();
    const std::string state(NodeStateName(node.state));
    style.nodes[id] = DotNodeStyle{.fill_color = std::string(StateColour(state)),
                                   .id = absl::StrCat("graph_", id),
                                   .tooltip = absl::StrCat(id, ": ", state)};
    absl::StrAppend(&states, id, "=", state, ";");
  }
  std::lock_guard lock(graph_mu_);
  if (states != graph_states_ || graph_svg_.empty()) {
    absl::StatusOr<std::string> svg = RenderDot(ProgramDot(supervisor_.program(), style), "svg");
    if (!svg.ok()) return svg.status();
    graph_svg_ = *std::move(svg);
    graph_states_ = std::move(states);
  }
  return graph_svg_;
}

}  // namespace lp::internal
