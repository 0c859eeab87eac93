#include "src/courier/rpc/call_request.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <utility>

#include <grpcpp/support/slice.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "src/courier/rpc/message_limits.h"
#include "src/courier/rpc/received_tensors.h"
#include "src/courier/rpc/shared_serialization.h"
#include "src/courier/rpc/wire_reader.h"
#include "src/courier/rpc/wire_writer.h"
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

// Why a request to `method` with `arguments`, of `request_bytes` encoded, cannot be sent,
// or OK.
absl::Status CheckRequest(std::string_view method_name, const courier::CallArguments& arguments,
                          size_t request_bytes, int max_send_message_bytes) {
  auto method = [name = absl::string_view(method_name.data(), method_name.size())] {
    return absl::StrCat("Courier method '", BoundedEcho(name), "': ");
  };
  for (int i = 0; i < arguments.args_size(); ++i) {
    if (absl::Status status =
            CheckObject(arguments.args(i), [&] { return absl::StrCat(method(), "arg ", i + 1); },
                        /*check_utf8=*/true);
        !status.ok()) {
      return status;
    }
  }
  return CheckMessageSize(request_bytes, max_send_message_bytes,
                          [&] { return absl::StrCat(method(), "the request"); });
}

// The request written straight into one slice, as SerializeSharing would write the
// CallRequest that holds these fields (protobuf's order, and no method field for an empty
// name), without building that message: three allocations fewer per call (the request, its
// method's string, the arguments moved into it). For requests with no field worth sharing.
absl::StatusOr<MovableByteBuffer> EncodeSmallRequest(
    std::string_view method, const courier::CallArguments& args, size_t args_bytes,
    const courier::SharedMemory* shared_memory, const courier::SharedMemory* result_memory,
    size_t request_bytes) {
  grpc::Slice slice(request_bytes);
  uint8_t* to = const_cast<uint8_t*>(slice.begin());
  if (!method.empty()) {
    to = WriteDelimitedHeader(kRequestMethod, method.size(), to);
    to = static_cast<uint8_t*>(std::memcpy(to, method.data(), method.size())) + method.size();
  }
  to = WriteDelimitedHeader(kRequestArguments, args_bytes, to);
  to = args.SerializeWithCachedSizesToArray(to);
  auto write_memory = [&to](int number, const courier::SharedMemory* memory) {
    if (memory == nullptr) return;
    to = WriteDelimitedHeader(number, static_cast<size_t>(memory->GetCachedSize()), to);
    to = memory->SerializeWithCachedSizesToArray(to);
  };
  write_memory(kRequestSharedMemory, shared_memory);
  write_memory(kRequestResultMemory, result_memory);
  if (to != slice.end()) {
    return absl::InternalError(absl::StrCat("a request of ", request_bytes,
                                            " bytes was encoded into ", to - slice.begin()));
  }
  return MovableByteBuffer(&slice, 1);
}

}  // namespace

absl::StatusOr<MovableByteBuffer> EncodeCallRequest(std::string_view method,
                                                   courier::CallArguments args,
                                                   int max_send_message_bytes,
                                                   const courier::SharedMemory* shared_memory,
                                                   const courier::SharedMemory* result_memory) {
  const size_t args_bytes = args.ByteSizeLong();
  size_t request_bytes = (method.empty() ? 0 : DelimitedFieldBytes(method.size())) +
                         DelimitedFieldBytes(args_bytes);
  for (const courier::SharedMemory* memory : {shared_memory, result_memory}) {
    if (memory != nullptr) request_bytes += DelimitedFieldBytes(memory->ByteSizeLong());
  }
  if (absl::Status sendable = CheckRequest(method, args, request_bytes, max_send_message_bytes);
      !sendable.ok()) {
    return sendable;
  }
  if (request_bytes < kMinSharedFieldBytes) {
    return EncodeSmallRequest(method, args, args_bytes, shared_memory, result_memory,
                              request_bytes);
  }
  // Owned by the bytes from here on (SerializeSharing), which give its tensors' storage
  // back for reuse when gRPC is done with them.
  std::shared_ptr<courier::CallRequest> request = internal::NewRecyclingCallRequest();
  request->set_method(std::string(method));
  // Both messages live on the heap, so this moves (swaps) the arguments, never copies.
  *request->mutable_arguments() = std::move(args);
  if (shared_memory != nullptr) *request->mutable_shared_memory() = *shared_memory;
  if (result_memory != nullptr) *request->mutable_result_memory() = *result_memory;
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
  // An argument's value, merged into `object`. Every message nested in the request is one
  // level deeper (Reader::Deeper), as in protobuf's parse of the whole CallRequest: the
  // arguments, a keyword argument's entry and each argument's object count against the
  // recursion limit before anything inside them does.
  auto read_object = [&](courier::SerializedObject& object) {
    return reader.Deeper([&] {
      return objects_by_hand ? ReadObject(reader, object, objects_by_hand_from)
                             : reader.Message(object);
    });
  };

  auto read_keyword_argument = [&] {
    std::string key;
    courier::SerializedObject value;
    const Field field = reader.Deeper([&] {
      return reader.Nested("a keyword argument", [&](int number) {
        if (number == kEntryKey) return reader.Bytes(key);
        if (number == kEntryValue) return read_object(value);
        return Field::kSkip;
      });
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
  // A message field that comes twice is merged, as protobuf merges it: the second does not
  // replace the first.
  auto read_memory = [&](std::optional<courier::SharedMemory>& memory) {
    if (!memory.has_value()) memory.emplace();
    return reader.Deeper([&] { return reader.Message(*memory); });
  };
  const bool ok = reader.Fields("the request", [&](int number) {
    if (number == kRequestMethod) return reader.Bytes(request.method);
    if (number == kRequestArguments) {
      return reader.Deeper([&] { return reader.Nested("the arguments", read_argument); });
    }
    if (number == kRequestSharedMemory) return read_memory(request.shared_memory);
    if (number == kRequestResultMemory) return read_memory(request.result_memory);
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
