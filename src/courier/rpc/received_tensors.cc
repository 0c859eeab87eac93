#include "src/courier/rpc/received_tensors.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "src/courier/serialization/tensor_bytes.h"
#include "tensorflow/tensor.pb.h"

namespace lp::rpc {
namespace {

using google::protobuf::io::CodedInputStream;
using WireFormat = google::protobuf::internal::WireFormatLite;

bool IsMessageField(uint32_t tag, int number) {
  return tag == WireFormat::MakeTag(number, WireFormat::WIRETYPE_LENGTH_DELIMITED);
}

// Reads the length of the length-delimited value that follows and limits `in` to it, if
// the bytes left can hold it. Returns to the outer limit when it goes out of scope.
class NestedMessage {
 public:
  explicit NestedMessage(CodedInputStream& in) : in_(in) {
    uint32_t length = 0;
    if (!in.ReadVarint32(&length) || length > static_cast<uint32_t>(in.BytesUntilLimit())) {
      return;
    }
    limit_ = in.PushLimit(static_cast<int>(length));
  }
  ~NestedMessage() {
    if (limit_.has_value()) in_.PopLimit(*limit_);
  }
  NestedMessage(const NestedMessage&) = delete;
  NestedMessage& operator=(const NestedMessage&) = delete;

  bool ok() const { return limit_.has_value(); }

 private:
  CodedInputStream& in_;
  std::optional<CodedInputStream::Limit> limit_;
};

// Calls `on_field(tag)` for each field up to the current limit; it reads the field or
// returns false to have it skipped. False if the bytes end in the middle of a field or a
// reader failed: the scan then stops.
template <typename OnField>
bool ForEachField(CodedInputStream& in, OnField on_field) {
  for (;;) {
    const uint32_t tag = in.ReadTag();
    if (tag == 0) return in.ConsumedEntireMessage();
    std::optional<bool> read = on_field(tag);
    if (!read.has_value()) return false;  // the reader failed
    if (!*read && !WireFormat::SkipField(&in, tag)) return false;
  }
}

// What the scan of one SerializedObject (all its occurrences, which protobuf merges)
// has found: a tensor as its value so far, and the size of its content.
struct ObjectScan {
  bool tensor = false;
  size_t content_bytes = 0;

  size_t LargeTensorBytes() const {
    return tensor && content_bytes >= internal::kMinHugePageTensorBytes ? content_bytes : 0;
  }
};

// Scans the TensorProto ahead (to the limit): its content's size, if it has one.
bool ScanTensor(CodedInputStream& in, ObjectScan& scan) {
  return ForEachField(in, [&](uint32_t tag) -> std::optional<bool> {
    if (!IsMessageField(tag, tensorflow::TensorProto::kTensorContentFieldNumber)) return false;
    uint32_t length = 0;
    if (!in.ReadVarint32(&length) || !in.Skip(static_cast<int>(length))) return std::nullopt;
    scan.content_bytes = length;  // the last one counts, as in a parse
    return true;
  });
}

// Scans the SerializedObject ahead (to the limit). Every field of a SerializedObject is
// a value of its one oneof: the last one decides what the object is.
bool ScanObject(CodedInputStream& in, ObjectScan& scan) {
  return ForEachField(in, [&](uint32_t tag) -> std::optional<bool> {
    if (!IsMessageField(tag, courier::SerializedObject::kTensorValueFieldNumber)) {
      scan = ObjectScan{};  // another value (or a field this build does not know)
      return false;
    }
    if (!scan.tensor) scan = ObjectScan{.tensor = true};
    NestedMessage tensor(in);
    if (!tensor.ok() || !ScanTensor(in, scan)) return std::nullopt;
    return true;
  });
}

// A CodedInputStream over `buffer`, limited to its size (as the parse that follows is).
struct BufferScan {
  explicit BufferScan(grpc::ByteBuffer& buffer)
      : reader(&buffer), in(&reader) {
    in.PushLimit(static_cast<int>(
        std::min<size_t>(buffer.Length(), static_cast<size_t>(std::numeric_limits<int>::max()))));
  }
  grpc::ProtoBufferReader reader;
  CodedInputStream in;
};

}  // namespace

std::vector<size_t> LargeArgumentTensors(grpc::ByteBuffer& request) {
  std::vector<size_t> tensors;
  if (request.Length() < internal::kMinHugePageTensorBytes) return tensors;
  BufferScan scan(request);
  CodedInputStream& in = scan.in;
  bool any = false;
  // Each occurrence of `arguments` adds its args after those before (protobuf merges).
  (void)ForEachField(in, [&](uint32_t tag) -> std::optional<bool> {
    if (!IsMessageField(tag, courier::CallRequest::kArgumentsFieldNumber)) return false;
    NestedMessage arguments(in);
    if (!arguments.ok()) return std::nullopt;
    const bool read = ForEachField(in, [&](uint32_t arg_tag) -> std::optional<bool> {
      if (!IsMessageField(arg_tag, courier::CallArguments::kArgsFieldNumber)) return false;
      NestedMessage arg(in);
      ObjectScan object;
      if (!arg.ok() || !ScanObject(in, object)) return std::nullopt;
      tensors.push_back(object.LargeTensorBytes());
      any = any || tensors.back() > 0;
      return true;
    });
    if (!read) return std::nullopt;
    return true;
  });
  if (!any) tensors.clear();
  return tensors;
}

size_t LargeResultTensor(grpc::ByteBuffer& reply) {
  if (reply.Length() < internal::kMinHugePageTensorBytes) return 0;
  BufferScan scan(reply);
  CodedInputStream& in = scan.in;
  ObjectScan result;  // over every occurrence of the result, which protobuf merges
  const bool read = ForEachField(in, [&](uint32_t tag) -> std::optional<bool> {
    if (!IsMessageField(tag, courier::CallResponse::kResultFieldNumber)) return false;
    NestedMessage call_result(in);
    if (!call_result.ok()) return std::nullopt;
    if (!ForEachField(in, [&](uint32_t result_tag) -> std::optional<bool> {
          if (!IsMessageField(result_tag, courier::CallResult::kResultFieldNumber)) return false;
          NestedMessage object(in);
          if (!object.ok() || !ScanObject(in, result)) return std::nullopt;
          return true;
        })) {
      return std::nullopt;
    }
    return true;
  });
  return read ? result.LargeTensorBytes() : 0;
}

void ReserveTensorStorage(size_t bytes, courier::SerializedObject& object) {
  *object.mutable_tensor_value()->mutable_tensor_content() = internal::ReservedBytes(bytes);
}

}  // namespace lp::rpc
