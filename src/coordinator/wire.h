#ifndef LP_SRC_COORDINATOR_WIRE_H_
#define LP_SRC_COORDINATOR_WIRE_H_

// Conversions between our C++ types and the coordinator's wire messages (statuses:
// src/courier/rpc/grpc_status.h).

#include "absl/status/status.h"
#include "lp/context.h"
#include "lp/coordinator.pb.h"
#include "src/coordinator/exit_report.h"

namespace lp::internal {

coordinator::NodeId ToProto(const NodeId& node);
NodeId FromProto(const coordinator::NodeId& node);

coordinator::ExitReport ToProto(const ExitReport& report);
ExitReport FromProto(const coordinator::ExitReport& report);

}  // namespace lp::internal

#endif  // LP_SRC_COORDINATOR_WIRE_H_
