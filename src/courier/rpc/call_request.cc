#include "src/courier/rpc/call_request.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "src/courier/rpc/message_limits.h"
#include "src/courier/rpc/received_tensors.h"
#include "src/courier/rpc/shared_serialization.h"
#include "src/courier/rpc/wire_reader.h"
#include "src/courier/serialization/recycled_tensors.h"

namespace lp::rpc {
namespace {

using google::protobuf::io::CodedInputStream;
using WireFormat = google::protobuf::internal::WireFormatLite;

// The fields read by hand; all are length-delimited (bytes or a message).
constexpr int kRequestMethod = 1;     // CallRequest.method
constexpr int kRequestArguments = 2;  // CallRequest.arguments
constexpr int kRequestSharedMemory = 3;  // CallRequest.shared_memory
constexpr int kRequestResultMemory = 4;  // CallRequest.result_memory
constexpr int kArgumentsArgs = 1;     // CallArguments.args
constexpr int kArgumentsKwargs = 2;   // CallArguments.kwargs, a map: repeated entries
constexpr int kEntryKey = 1;
constexpr int kEntryValue = 2;

// Why `request` cannot be sent, or OK.
absl::Status CheckRequest(const courier::CallRequest& request, int max_send_message_bytes) {
  auto method = [&request] {
    return absl::StrCat("Courier method '", BoundedEcho(request.method()), "': ");
  };
  const courier::CallArguments& arguments = request.arguments();
  for (int i = 0; i < arguments.args_size(); ++i) {
    if (absl::Status status =
            CheckObject(arguments.args(i), [&] { return absl::StrCat(method(), "arg ", i + 1); },
                        /*check_utf8=*/true);
        !status.ok()) {
      return status;
    }
  }
  return CheckMessageSize(request.ByteSizeLong(), max_send_message_bytes,
                          [&] { return absl::StrCat(method(), "the request"); });
}

}  // namespace

absl::StatusOr<MovableByteBuffer> EncodeCallRequest(std::string_view method,
                                                   courier::CallArguments args,
                                                   int max_send_message_bytes,
                                                   const courier::SharedMemory* shared_memory,
                                                   const courier::SharedMemory* result_memory) {
  // Owned by the bytes from here on (SerializeSharing), which give its tensors' storage
  // back for reuse when gRPC is done with them.
  std::shared_ptr<courier::CallRequest> request = internal::NewRecyclingCallRequest();
  request->set_method(std::string(method));
  // Both messages live on the heap, so this moves (swaps) the arguments, never copies.
  *request->mutable_arguments() = std::move(args);
  if (shared_memory != nullptr) *request->mutable_shared_memory() = *shared_memory;
  if (result_memory != nullptr) *request->mutable_result_memory() = *result_memory;
  if (absl::Status sendable = CheckRequest(*request, max_send_message_bytes); !sendable.ok()) {
    return sendable;
  }
  return SerializeSharing(std::move(request));
}

absl::StatusOr<ParsedCallRequest> ParseCallRequest(
    google::protobuf::io::ZeroCopyInputStream& input, size_t size,
    bool objects_by_hand, size_t objects_by_hand_from) {
  CodedInputStream in(&input);
  // The real size as the outermost limit: a length prefix that claims more than the
  // request holds then fails before anything is allocated for it (see ReadLength).
  in.PushLimit(static_cast<int>(
      std::min<size_t>(size, static_cast<size_t>(std::numeric_limits<int>::max()))));
  Reader reader(in);
  ParsedCallRequest request;
  // An argument's value, merged into `object`.
  auto read_object = [&](courier::SerializedObject& object) {
    return objects_by_hand ? ReadObject(reader, object, objects_by_hand_from)
                           : reader.Message(object);
  };

  auto read_keyword_argument = [&] {
    std::string key;
    courier::SerializedObject value;
    const Field field = reader.Nested("a keyword argument", [&](int number) {
      if (number == kEntryKey) return reader.Bytes(key);
      if (number == kEntryValue) return read_object(value);
      return Field::kSkip;
    });
    if (field == Field::kRead) (*request.arguments.mutable_kwargs())[key] = std::move(value);
    return field;
  };
  auto read_argument = [&](int number) {
    if (number == kArgumentsKwargs) return read_keyword_argument();
    if (number != kArgumentsArgs) return Field::kSkip;
    const int index = request.arguments.args_size() + 1;
    const Field field = read_object(*request.arguments.add_args());
    if (field == Field::kBad && reader.failed.ok()) {
      reader.failed = absl::InvalidArgumentError(absl::StrCat(
          "arg ", index, " is not a valid courier.SerializedObject: its bytes are malformed, "
          "or it nests lists, tuples or dicts deeper than protobuf parses (Courier's limit "
          "is ", kMaxNestingDepth, " levels)"));
    }
    return field;
  };
  const bool ok = reader.Fields("the request", [&](int number) {
    if (number == kRequestMethod) return reader.Bytes(request.method);
    if (number == kRequestArguments) return reader.Nested("the arguments", read_argument);
    if (number == kRequestSharedMemory) return reader.Message(request.shared_memory.emplace());
    if (number == kRequestResultMemory) return reader.Message(request.result_memory.emplace());
    return Field::kSkip;
  });
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat("the request (", size,
                                                   " bytes) is not a courier.CallRequest: ",
                                                   reader.failed.message()));
  }
  return request;
}

std::optional<std::string> PeekMethod(google::protobuf::io::ZeroCopyInputStream& input) {
  CodedInputStream in(&input);
  uint32_t length = 0;
  std::string method;
  if (in.ReadTag() != WireFormat::MakeTag(kRequestMethod, WireFormat::WIRETYPE_LENGTH_DELIMITED) ||
      !in.ReadVarint32(&length) || length > kMaxPeekedMethodBytes ||
      !in.ReadString(&method, static_cast<int>(length))) {
    return std::nullopt;
  }
  return method;
}

}  // namespace lp::rpc
