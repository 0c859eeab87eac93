#include "src/courier/rpc/courier_service.h"

#include <grpcpp/support/proto_buffer_reader.h>

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "src/courier/rpc/call_request.h"
#include "src/courier/rpc/message_limits.h"
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

CourierServiceImpl::CourierServiceImpl(const MethodRegistry& registry,
                                       int max_send_message_bytes)
    : registry_(registry), max_send_message_bytes_(max_send_message_bytes) {
  // Method 0 of courier.CourierService is Call (the order of the .proto).
  MarkMethodStreamed(0, new grpc::internal::StreamedUnaryHandler<grpc::ByteBuffer, grpc::ByteBuffer>(
                            [this](grpc::ServerContext* context, RawStream* stream) {
                              return RawCall(*context, stream);
                            }));
}

grpc::Status CourierServiceImpl::RawCall(const grpc::ServerContext& context,
                                         RawStream* stream) {
  grpc::ByteBuffer request;
  if (!stream->Read(&request)) {
    // gRPC already ended the call (e.g. a message over the receive limit): the caller
    // sees gRPC's status, not this one.
    return grpc::Status(grpc::StatusCode::CANCELLED, "the request message did not arrive");
  }
  ScopedHandlerThread handler_thread(this);
  absl::StatusOr<grpc::ByteBuffer> reply = Serve(context, request);
  if (!reply.ok()) return ToGrpcStatus(reply.status());
  stream->Write(*reply);
  return grpc::Status::OK;
}

absl::StatusOr<grpc::ByteBuffer> CourierServiceImpl::Serve(const grpc::ServerContext& context,
                                                           grpc::ByteBuffer& request) const {
  if (absl::Status allowed = CheckSecret(context); !allowed.ok()) return allowed;
  absl::StatusOr<ParsedCallRequest> parsed = [&] {
    grpc::ProtoBufferReader reader(&request);
    return ParseCallRequest(reader, request.Length());
  }();
  request.Clear();  // the wire bytes are parsed: free them before the handler runs
  if (!parsed.ok()) return parsed.status();

  // The arguments were built by the parser for this call alone, so the handler may move
  // large payloads out of them.
  courier::CallArguments& arguments = parsed->arguments;
  for (int i = 0; i < arguments.args_size(); ++i) {
    if (absl::Status deep = CheckObject(arguments.args(i), absl::StrCat("arg ", i + 1),
                                        /*check_utf8=*/false);
        !deep.ok()) {
      return deep;
    }
  }
  absl::StatusOr<courier::SerializedObject> result =
      registry_.Dispatch(parsed->method, arguments);
  if (!result.ok()) return result.status();

  const std::string method = BoundedEcho(parsed->method);  // registered: short, but bounded
  if (absl::Status content = CheckObject(
          *result, absl::StrCat("Courier method '", method, "': the result"), /*check_utf8=*/true);
      !content.ok()) {
    return content;
  }
  courier::CallResponse response;
  // Same (heap) arena on both sides, so this move is a swap, not a copy.
  *response.mutable_result()->mutable_result() = *std::move(result);
  if (absl::Status size = CheckMessageSize(response.ByteSizeLong(), max_send_message_bytes_,
                                           absl::StrCat("Courier method '", method, "': the reply"));
      !size.ok()) {
    return size;
  }
  grpc::ByteBuffer reply;
  bool own_buffer = false;
  grpc::Status encoded =
      grpc::SerializationTraits<courier::CallResponse>::Serialize(response, &reply, &own_buffer);
  if (!encoded.ok()) return ToAbslStatus(encoded);
  return reply;
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
