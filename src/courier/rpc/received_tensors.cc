#include "src/courier/rpc/received_tensors.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include <algorithm>
#include <limits>
#include <string>

#include "src/courier/serialization/tensor_bytes.h"
#include "tensorflow/tensor.pb.h"

namespace lp::rpc {
namespace {

using google::protobuf::internal::WireFormatLite;

// The tag of length-delimited field `number`: any other wire type for a field of that
// number is not the field (protobuf keeps it as an unknown field), so it is merged.
constexpr uint32_t Delimited(int number) {
  return WireFormatLite::MakeTag(number, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
}

// A tensor's content, read into untouched storage advised onto huge pages when it is
// large. Storage it already has that is large enough is kept (a tensor merged twice).
void PrepareContent(size_t length, std::string& content) {
  if (length >= internal::kMinHugePageTensorBytes && content.capacity() < length) {
    content = internal::ReservedBytes(length);
  }
}

Field ReadTensor(Reader& reader, tensorflow::TensorProto& tensor) {
  return reader.NestedMessage("a tensor", [&](uint32_t tag) {
    if (tag != Delimited(tensorflow::TensorProto::kTensorContentFieldNumber)) {
      return reader.MergeField(tag, tensor);
    }
    return reader.Bytes(*tensor.mutable_tensor_content(), PrepareContent);
  });
}

Field ReadList(Reader& reader, courier::SerializedList& list) {
  return reader.NestedMessage("a list", [&](uint32_t tag) {
    if (tag != Delimited(courier::SerializedList::kItemsFieldNumber)) {
      return reader.MergeField(tag, list);
    }
    return ReadObject(reader, *list.add_items());
  });
}

Field ReadDict(Reader& reader, courier::SerializedDict& dict) {
  return reader.NestedMessage("a dict", [&](uint32_t tag) {
    if (tag == Delimited(courier::SerializedDict::kKeysFieldNumber)) {
      return ReadObject(reader, *dict.add_keys());
    }
    if (tag == Delimited(courier::SerializedDict::kValuesFieldNumber)) {
      return ReadObject(reader, *dict.add_values());
    }
    return reader.MergeField(tag, dict);
  });
}

}  // namespace

bool ReadsTensorsOntoHugePages(const grpc::ByteBuffer& message) {
  return message.Length() >= internal::kMinHugePageTensorBytes;
}

// Each `mutable_` switches the object's one oneof to that value, keeping the value if it
// already is one, as protobuf's parse does.
Field ReadObject(Reader& reader, courier::SerializedObject& object) {
  return reader.NestedMessage("an object", [&](uint32_t tag) {
    switch (tag) {
      case Delimited(courier::SerializedObject::kTensorValueFieldNumber):
        return ReadTensor(reader, *object.mutable_tensor_value());
      case Delimited(courier::SerializedObject::kListValueFieldNumber):
        return ReadList(reader, *object.mutable_list_value());
      case Delimited(courier::SerializedObject::kDictValueFieldNumber):
        return ReadDict(reader, *object.mutable_dict_value());
      default:
        return reader.MergeField(tag, object);
    }
  });
}

bool ReadResponse(grpc::ByteBuffer& reply, courier::CallResponse& response) {
  grpc::ProtoBufferReader stream(&reply);
  google::protobuf::io::CodedInputStream in(&stream);
  in.PushLimit(static_cast<int>(
      std::min<size_t>(reply.Length(), static_cast<size_t>(std::numeric_limits<int>::max()))));
  Reader reader(in);
  return reader.EveryField("the reply", [&](uint32_t tag) {
    if (tag != Delimited(courier::CallResponse::kResultFieldNumber)) {
      return reader.MergeField(tag, response);
    }
    courier::CallResult& result = *response.mutable_result();
    return reader.NestedMessage("the result", [&](uint32_t result_tag) {
      if (result_tag != Delimited(courier::CallResult::kResultFieldNumber)) {
        return reader.MergeField(result_tag, result);
      }
      return ReadObject(reader, *result.mutable_result());
    });
  });
}

}  // namespace lp::rpc
