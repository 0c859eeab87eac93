#include "src/courier/rpc/received_tensors.h"

#include <google/protobuf/io/coded_stream.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include <algorithm>
#include <limits>

#include "src/courier/rpc/wire_reader.h"
#include "src/courier/serialization/tensor_bytes.h"
#include "tensorflow/tensor.pb.h"

namespace lp::rpc {
namespace {

using google::protobuf::io::CodedInputStream;

// What the scan of one SerializedObject (all its occurrences, which protobuf merges)
// has found: a tensor as its value so far, and the size of its content.
struct ObjectScan {
  bool tensor = false;
  size_t content_bytes = 0;

  size_t LargeTensorBytes() const {
    return tensor && content_bytes >= internal::kMinHugePageTensorBytes ? content_bytes : 0;
  }
};

// Scans the TensorProto that follows: its content's size, if it has one (the last one
// counts, as in a parse).
Field ScanTensor(Reader& reader, ObjectScan& scan) {
  return reader.Nested("a tensor", [&](int number) {
    if (number != tensorflow::TensorProto::kTensorContentFieldNumber) return Field::kSkip;
    return reader.SkipBytes(scan.content_bytes);
  });
}

// Scans the SerializedObject that follows. Every field of a SerializedObject is a value
// of its one oneof; one that comes after the tensor (a string, a list, a dict: the
// length-delimited ones, which the Reader shows) replaces it.
Field ScanObject(Reader& reader, ObjectScan& scan) {
  return reader.Nested("an object", [&](int number) {
    if (number != courier::SerializedObject::kTensorValueFieldNumber) {
      scan = ObjectScan{};
      return Field::kSkip;
    }
    if (!scan.tensor) scan = ObjectScan{.tensor = true};
    return ScanTensor(reader, scan);
  });
}

// A CodedInputStream over `buffer`, limited to its size (as the parse that follows is).
struct BufferScan {
  explicit BufferScan(grpc::ByteBuffer& buffer) : stream(&buffer), in(&stream), reader(in) {
    in.PushLimit(static_cast<int>(
        std::min<size_t>(buffer.Length(), static_cast<size_t>(std::numeric_limits<int>::max()))));
  }
  grpc::ProtoBufferReader stream;
  CodedInputStream in;
  Reader reader;
};

}  // namespace

std::vector<size_t> LargeArgumentTensors(grpc::ByteBuffer& request) {
  std::vector<size_t> tensors;
  if (request.Length() < internal::kMinHugePageTensorBytes) return tensors;
  BufferScan scan(request);
  Reader& reader = scan.reader;
  bool any = false;
  // Each occurrence of `arguments` adds its args after those before (protobuf merges).
  // Bytes the scan cannot follow end it: the parse judges them.
  (void)reader.Fields("the request", [&](int number) {
    if (number != courier::CallRequest::kArgumentsFieldNumber) return Field::kSkip;
    return reader.Nested("the arguments", [&](int arg_number) {
      if (arg_number != courier::CallArguments::kArgsFieldNumber) return Field::kSkip;
      ObjectScan arg;
      const Field field = ScanObject(reader, arg);
      if (field == Field::kRead) {
        tensors.push_back(arg.LargeTensorBytes());
        any = any || tensors.back() > 0;
      }
      return field;
    });
  });
  if (!any) tensors.clear();
  return tensors;
}

size_t LargeResultTensor(grpc::ByteBuffer& reply) {
  if (reply.Length() < internal::kMinHugePageTensorBytes) return 0;
  BufferScan scan(reply);
  Reader& reader = scan.reader;
  ObjectScan result;  // over every occurrence of the result, which protobuf merges
  const bool read = reader.Fields("the reply", [&](int number) {
    if (number != courier::CallResponse::kResultFieldNumber) return Field::kSkip;
    return reader.Nested("the result", [&](int result_number) {
      if (result_number != courier::CallResult::kResultFieldNumber) return Field::kSkip;
      return ScanObject(reader, result);
    });
  });
  return read ? result.LargeTensorBytes() : 0;
}

void ReserveTensorStorage(size_t bytes, courier::SerializedObject& object) {
  *object.mutable_tensor_value()->mutable_tensor_content() = internal::ReservedBytes(bytes);
}

}  // namespace lp::rpc
