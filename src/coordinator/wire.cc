#include "src/coordinator/wire.h"

namespace lp::internal {

coordinator::NodeId ToProto(const NodeId& node) {
  coordinator::NodeId out;
  out.set_group(node.group);
  out.set_index(node.index);
  return out;
}

NodeId FromProto(const coordinator::NodeId& node) { return NodeId{node.group(), node.index()}; }

coordinator::ExitReport ToProto(const ExitReport& report) {
  coordinator::ExitReport out;
  *out.mutable_node() = ToProto(report.node);
  out.set_exit_code(report.exit_code);
  out.set_message(report.message);
  for (const std::string& line : report.last_output_lines) out.add_last_output_lines(line);
  out.set_call_failed(report.call_failed);
  return out;
}

ExitReport FromProto(const coordinator::ExitReport& report) {
  ExitReport out;
  out.node = FromProto(report.node());
  out.exit_code = report.exit_code();
  out.message = report.message();
  out.last_output_lines.assign(report.last_output_lines().begin(),
                               report.last_output_lines().end());
  out.call_failed = report.call_failed();
  return out;
}

}  // namespace lp::internal
