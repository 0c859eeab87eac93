// CourierServiceImpl: the gRPC face of a MethodRegistry (service courier.CourierService).
#ifndef LP_SRC_COURIER_RPC_COURIER_SERVICE_H_
#define LP_SRC_COURIER_RPC_COURIER_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "courier/courier.grpc.pb.h"
#include "src/courier/rpc/method_registry.h"

namespace lp::rpc {

// Uses gRPC's synchronous service: each call runs on a server thread, so a handler may
// block (e.g. to wait for a batch to fill) without stalling gRPC's own threads.
//
// Call takes and returns raw bytes (gRPC's "streamed unary" form, one message each way):
// the request is parsed by ParseCallRequest, so that malformed bytes get a message that
// says what was wrong, and the reply is checked against the send limit before it is
// encoded, so that a reply protobuf cannot encode fails its call instead of aborting
// the process (gRPC asserts that encoding succeeds).
//
// Thread safety: called concurrently by gRPC's server threads; holds no mutable state.
// The registry must outlive the service and must not change while it serves.
class CourierServiceImpl final : public courier::CourierService::Service {
 public:
  // `max_send_message_bytes`: as in CourierServerOptions (-1: protobuf's 2 GiB only).
  CourierServiceImpl(const MethodRegistry& registry, int max_send_message_bytes);
  grpc::Status ListMethods(grpc::ServerContext* context,
                           const courier::ListMethodsRequest* request,
                           courier::ListMethodsResponse* response) override;

  // True while the calling thread runs a handler of this service. Lets the server notice
  // a Shutdown() requested from inside a handler, which must not wait for itself.
  bool IsHandlerThread() const;

 private:
  using RawStream = grpc::ServerUnaryStreamer<grpc::ByteBuffer, grpc::ByteBuffer>;

  grpc::Status RawCall(RawStream* stream);
  // The reply to one request, encoded, or why there is none.
  absl::StatusOr<grpc::ByteBuffer> Serve(grpc::ByteBuffer& request) const;

  const MethodRegistry& registry_;
  const int max_send_message_bytes_;
};

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_COURIER_SERVICE_H_
