#include "src/courier/rpc/courier_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "src/courier/rpc/grpc_status.h"
#include "src/courier/rpc/secret.h"

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

void CourierServiceImpl::RequireSecret(std::string secret, std::string server_name) {
  secret_ = std::move(secret);
  server_name_ = std::move(server_name);
}

absl::Status CourierServiceImpl::CheckSecret(const grpc::ServerContext& context) const {
  if (secret_.empty()) return absl::OkStatus();
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kSecretMetadataKey);
  // Neither message echoes what the caller sent: an unauthenticated caller learns nothing
  // but that it is refused, and why.
  if (it == metadata.end()) {
    return absl::UnauthenticatedError(absl::StrCat(
        "call to ", server_name_, " lacks the launch's secret (gRPC metadata '",
        kSecretMetadataKey, "'); the program's own nodes send it, and a client outside the "
        "program must be given it on purpose: start the launcher with LP_COURIER_SECRET "
        "set and send that value (see docs/courier.md, \"Limits and security\")"));
  }
  if (!SecretsEqual(std::string_view(it->second.data(), it->second.size()), secret_)) {
    return absl::UnauthenticatedError(absl::StrCat(
        "call to ", server_name_, " carries a secret (gRPC metadata '", kSecretMetadataKey,
        "') that is not its launch's: the caller belongs to another launch, or was given "
        "the wrong secret"));
  }
  return absl::OkStatus();
}

grpc::Status CourierServiceImpl::Call(grpc::ServerContext* context,
                                      const courier::CallRequest* request,
                                      courier::CallResponse* response) {
  if (absl::Status allowed = CheckSecret(*context); !allowed.ok()) return ToGrpcStatus(allowed);
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

grpc::Status CourierServiceImpl::ListMethods(grpc::ServerContext* context,
                                             const courier::ListMethodsRequest* /*request*/,
                                             courier::ListMethodsResponse* response) {
  if (absl::Status allowed = CheckSecret(*context); !allowed.ok()) return ToGrpcStatus(allowed);
  for (std::string& name : registry_.Names()) response->add_methods(std::move(name));
  return grpc::Status::OK;
}

bool CourierServiceImpl::IsHandlerThread() const { return current_service == this; }

}  // namespace lp::rpc
