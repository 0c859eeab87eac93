#include "src/courier/rpc/grpc_status.h"

#include <string>

#include "lp/rpc_error.h"

namespace lp::rpc {

// gRPC carries a code, a message and opaque details (the grpc-status-details-bin
// trailer). The details carry one thing of ours: the mark of lp::ProgramStoppedStatus, so
// that a reply saying "the program is stopping" (a handler ended by the stop, a replay
// table closed at it) is lp::ProgramStoppedError for a caller whose own process has not
// heard of the stop yet. Other payloads of an absl::Status stay on the side that made it.
grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()),
                      IsProgramStopped(status) ? internal::kProgramStoppedPayload : "");
}

absl::Status ToAbslStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status converted(static_cast<absl::StatusCode>(status.error_code()),
                         status.error_message());
  if (status.error_details() == internal::kProgramStoppedPayload) {
    converted.SetPayload(internal::kProgramStoppedPayload, absl::Cord("1"));
  }
  return converted;
}

}  // namespace lp::rpc
