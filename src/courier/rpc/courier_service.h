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
// Thread safety: called concurrently by gRPC's server threads; holds no mutable state.
// The registry must outlive the service and must not change while it serves.
class CourierServiceImpl final : public courier::CourierService::Service {
 public:
  explicit CourierServiceImpl(const MethodRegistry& registry) : registry_(registry) {}

  grpc::Status Call(grpc::ServerContext* context, const courier::CallRequest* request,
                    courier::CallResponse* response) override;
  grpc::Status ListMethods(grpc::ServerContext* context,
                           const courier::ListMethodsRequest* request,
                           courier::ListMethodsResponse* response) override;

  // True while the calling thread runs a handler of this service. Lets the server notice
  // a Shutdown() requested from inside a handler, which must not wait for itself.
  bool IsHandlerThread() const;

 private:
  const MethodRegistry& registry_;
};

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_COURIER_SERVICE_H_
