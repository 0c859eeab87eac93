#include "src/status/status_json.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace lp::internal {

namespace {

using Json = nlohmann::json;

double SecondsBetween(absl::Time from, absl::Time to) {
  return absl::ToDoubleSeconds(to - from);
}

Json NodeJson(const NodeStatus& node, absl::Time now) {
  Json json;
  json["id"] = node.id.ToString();
  json["group"] = node.id.group;
  json["index"] = node.id.index;
  json["kind"] = node.kind;
  json["methods"] = node.methods;
  json["parent"] = node.parent.empty() ? Json(nullptr) : Json(node.parent);
  json["state"] = std::string(NodeStateName(node.state));
  json["ended_how"] = node.ended_how.empty() ? Json(nullptr) : Json(node.ended_how);
  json["exit_code"] = node.exit_code.has_value() ? Json(*node.exit_code) : Json(nullptr);
  json["restarts"] = node.restarts;
  json["host"] = node.host.empty() ? Json(nullptr) : Json(node.host);
  json["pid"] = node.pid == 0 ? Json(nullptr) : Json(node.pid);
  json["address"] = node.address.empty() ? Json(nullptr) : Json(node.address);
  if (node.started_at.has_value()) {
    json["uptime_seconds"] = SecondsBetween(*node.started_at, node.ended_at.value_or(now));
  } else {
    json["uptime_seconds"] = nullptr;
  }
  json["last_output"] = node.last_output;
  return json;
}

// A JSON value as table text: strings bare, null as "-".
std::string Cell(const Json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) return absl::StrFormat("%.0fs", value.get<double>());
  return value.dump();
}

}  // namespace

std::string ProgramJson(const ProgramStatus& program, absl::Time now) {
  Json json;
  json["name"] = program.name;
  json["launch_type"] = program.launch_type;
  json["launch_id"] = program.launch_id;
  json["started_at"] = absl::FormatTime(absl::RFC3339_sec, program.started_at, absl::UTCTimeZone());
  json["uptime_seconds"] = SecondsBetween(program.started_at, now);
  json["stopping"] = program.stopping;
  json["ended"] = program.ended;
  json["stop_reason"] = program.stop_reason.empty() ? Json(nullptr) : Json(program.stop_reason);
  json["nodes"] = program.nodes.size();
  return json.dump();
}

std::string NodesJson(const ProgramStatus& program, absl::Time now) {
  Json nodes = Json::array();
  for (const NodeStatus& node : program.nodes) nodes.push_back(NodeJson(node, now));
  Json json;
  json["nodes"] = std::move(nodes);
  return json.dump();
}

absl::StatusOr<std::string> FormatStatusTable(const std::string& program_json,
                                              const std::string& nodes_json) {
  const Json program = Json::parse(program_json, nullptr, /*allow_exceptions=*/false);
  const Json nodes = Json::parse(nodes_json, nullptr, /*allow_exceptions=*/false);
  if (program.is_discarded() || !program.is_object() || nodes.is_discarded() ||
      !nodes.is_object() || !nodes.contains("nodes") || !nodes["nodes"].is_array()) {
    return absl::InvalidArgumentError(
        "the status server's answer is not the JSON of a Launchpad status page: is that "
        "address a program's --lp_status_port?");
  }
  std::string text = absl::StrCat(
      "program '", Cell(program.value("name", Json(nullptr))), "' (",
      Cell(program.value("launch_type", Json(nullptr))), "), up ",
      Cell(program.value("uptime_seconds", Json(nullptr))));
  if (program.value("ended", false)) {
    absl::StrAppend(&text, ", ended");
  } else if (program.value("stopping", false)) {
    absl::StrAppend(&text, ", stopping");
  }
  if (const Json reason = program.value("stop_reason", Json(nullptr)); !reason.is_null()) {
    absl::StrAppend(&text, ": ", Cell(reason));
  }
  absl::StrAppend(&text, "\n");

  const std::vector<std::string> headers = {"NODE",  "KIND",   "STATE",   "RESTARTS", "HOST",
                                            "PID",   "ADDRESS", "UPTIME", "ENDED"};
  std::vector<std::vector<std::string>> rows = {headers};
  for (const Json& node : nodes["nodes"]) {
    if (!node.is_object()) continue;
    rows.push_back({Cell(node.value("id", Json(nullptr))), Cell(node.value("kind", Json(nullptr))),
                    Cell(node.value("state", Json(nullptr))),
                    Cell(node.value("restarts", Json(nullptr))),
                    Cell(node.value("host", Json(nullptr))), Cell(node.value("pid", Json(nullptr))),
                    Cell(node.value("address", Json(nullptr))),
                    Cell(node.value("uptime_seconds", Json(nullptr))),
                    Cell(node.value("ended_how", Json(nullptr)))});
  }
  std::vector<size_t> widths(headers.size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      // The last column (how it ended) is free text: not padded.
      absl::StrAppend(&line, i + 1 < row.size() ? absl::StrFormat("%-*s  ", widths[i], row[i])
                                                : row[i]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    absl::StrAppend(&text, line, "\n");
  }
  return text;
}

}  // namespace lp::internal
