// CourierServiceImpl: the gRPC face of a MethodRegistry (service courier.CourierService).
#ifndef LP_SRC_COURIER_RPC_COURIER_SERVICE_H_
#define LP_SRC_COURIER_RPC_COURIER_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/status/status.h"

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
// Thread safety: called concurrently by gRPC's server threads. RequireSecret() happens
// before serving (CourierServer calls it before Start); after that the service holds no
// mutable state. The registry must outlive the service and must not change while it
// serves.
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

  // From now on calls must carry `secret` in metadata rpc::kSecretMetadataKey; refusals
  // name the server as `server_name`. Empty `secret`: no check. Not thread-safe: call it
  // before the service serves.
  void RequireSecret(std::string secret, std::string server_name);

  // The encoded reply to one call's request bytes, or why there is none: the secret is
  // checked, the bytes parsed, the method run. What Call does once gRPC has read the
  // request; public for the fuzz target, which has no sockets.
  absl::StatusOr<grpc::ByteBuffer> Serve(const grpc::ServerContext& context,
                                         grpc::ByteBuffer& request) const;

 private:
  using RawStream = grpc::ServerUnaryStreamer<grpc::ByteBuffer, grpc::ByteBuffer>;

  grpc::Status RawCall(const grpc::ServerContext& context, RawStream* stream);
  // OK when the call carries the secret, or none is required; else UNAUTHENTICATED
  // saying what is missing and how a caller outside the program gets it.
  absl::Status CheckSecret(const grpc::ServerContext& context) const;

  const MethodRegistry& registry_;
  const int max_send_message_bytes_;
  std::string secret_;       // empty: no check
  std::string server_name_;  // "node learner/0", for messages
};

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_COURIER_SERVICE_H_
