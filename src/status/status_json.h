// The status as JSON (/api/program, /api/nodes), and the terminal table lp_status prints
// from that JSON.
#ifndef LP_SRC_STATUS_STATUS_JSON_H_
#define LP_SRC_STATUS_STATUS_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "src/status/node_status.h"

namespace lp::internal {

// {"name", "launch_type", "launch_id", "started_at" (RFC 3339), "uptime_seconds",
//  "stopping", "ended", "stop_reason", "nodes": count}
std::string ProgramJson(const ProgramStatus& program, absl::Time now);
// {"nodes": [{"id": "group/index", "group", "index", "kind", "methods", "parent", "state",
//  "ended_how", "exit_code", "restarts", "host", "pid", "address", "uptime_seconds",
//  "last_output"}, ...]}; absent values are null.
std::string NodesJson(const ProgramStatus& program, absl::Time now);

// The table of nodes, one line each, under a line about the program: what lp_status
// prints. InvalidArgument if the JSON is not what the two functions above write.
absl::StatusOr<std::string> FormatStatusTable(const std::string& program_json,
                                              const std::string& nodes_json);

}  // namespace lp::internal

#endif  // LP_SRC_STATUS_STATUS_JSON_H_
