// Conversions between grpc::Status and absl::Status. The numeric codes are the same
// (both follow google.rpc.Code), so only the representation changes.
#ifndef LP_SRC_COURIER_RPC_GRPC_STATUS_H_
#define LP_SRC_COURIER_RPC_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace lp::rpc {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status ToAbslStatus(const grpc::Status& status);

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_GRPC_STATUS_H_
