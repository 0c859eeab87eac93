#include "src/courier/rpc/courier_service.h"

#include <utility>

#include "src/courier/rpc/grpc_status.h"

namespace lp::rpc {
namespace {

// The service whose handler the current thread is running, if any.
thread_local const CourierServiceImpl* current_service = nullptr;

class ScopedHandlerThread {
 public:
  explicit ScopedHandlerThread(const CourierServiceImpl* service)
      : previous_(std::exchange(current_service, service)) {}
  ~ScopedHandlerThread() { current_service = previous_; }

 private:
  const CourierServiceImpl* previous_;
};

}  // namespace

grpc::Status CourierServiceImpl::Call(grpc::ServerContext* /*context*/,
                                      const courier::CallRequest* request,
                                      courier::CallResponse* response) {
  // The sync API hands us the request as const, but gRPC allocated it for this call
  // alone and destroys it after we return; the object itself is not const. Dropping the
  // const lets handlers move large payloads out instead of copying them.
  auto* arguments = const_cast<courier::CallRequest*>(request)->mutable_arguments();

  ScopedHandlerThread handler_thread(this);
  absl::StatusOr<courier::SerializedObject> result =
      registry_.Dispatch(request->method(), *arguments);
  if (!result.ok()) return ToGrpcStatus(result.status());
  // Same (heap) arena on both sides, so this move is a swap, not a copy.
  *response->mutable_result()->mutable_result() = *std::move(result);
  return grpc::Status::OK;
}

grpc::Status CourierServiceImpl::ListMethods(grpc::ServerContext* /*context*/,
                                             const courier::ListMethodsRequest* /*request*/,
                                             courier::ListMethodsResponse* response) {
  for (std::string& name : registry_.Names()) response->add_methods(std::move(name));
  return grpc::Status::OK;
}

bool CourierServiceImpl::IsHandlerThread() const { return current_service == this; }

}  // namespace lp::rpc
