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

// A tensor's content, read into storage of lp's own when it is large enough: recycled, or
// untouched and advised onto huge pages. Storage it already has that is large enough is
// kept (a tensor merged twice).
void PrepareContent(size_t length, std::string& content) {
  if (length >= kMinBytesReadByHand && content.capacity() < length) {
    content = internal::ReservedBytes(length);
  }
}

// Each reader below reads its message at the stream's current depth; what the message
// holds is one level deeper (Reader::Deeper), as in protobuf's parse. A message too small
// to hold a large tensor (under `by_hand_from` bytes) is left to protobuf whole: a batch
// of many small values parses as fast as without this file.

Field ReadTensor(Reader& reader, tensorflow::TensorProto& tensor, size_t by_hand_from) {
  return reader.MessageOrFields(tensor, by_hand_from, "a tensor", [&](uint32_t tag) {
    if (tag != Delimited(tensorflow::TensorProto::kTensorContentFieldNumber)) {
      return reader.MergeField(tag, tensor);
    }
    return reader.Bytes(*tensor.mutable_tensor_content(), PrepareContent);
  });
}

Field ReadList(Reader& reader, courier::SerializedList& list, size_t by_hand_from) {
  return reader.MessageOrFields(list, by_hand_from, "a list", [&](uint32_t tag) {
    if (tag != Delimited(courier::SerializedList::kItemsFieldNumber)) {
      return reader.MergeField(tag, list);
    }
    return reader.Deeper([&] { return ReadObject(reader, *list.add_items(), by_hand_from); });
  });
}

Field ReadDict(Reader& reader, courier::SerializedDict& dict, size_t by_hand_from) {
  return reader.MessageOrFields(dict, by_hand_from, "a dict", [&](uint32_t tag) {
    if (tag == Delimited(courier::SerializedDict::kKeysFieldNumber)) {
      return reader.Deeper([&] { return ReadObject(reader, *dict.add_keys(), by_hand_from); });
    }
    if (tag == Delimited(courier::SerializedDict::kValuesFieldNumber)) {
      return reader.Deeper([&] { return ReadObject(reader, *dict.add_values(), by_hand_from); });
    }
    return reader.MergeField(tag, dict);
  });
}

}  // namespace

bool ReadsObjectsByHand(const grpc::ByteBuffer& message) {
  return message.Length() >= kMinBytesReadByHand;
}

// Each `mutable_` switches the object's one oneof to that value, keeping the value if it
// already is one, as protobuf's parse does. Strings are read by hand too, so that a long
// one is copied once, as protobuf copies it, and not also through MergeField.
Field ReadObject(Reader& reader, courier::SerializedObject& object, size_t by_hand_from) {
  return reader.MessageOrFields(object, by_hand_from, "an object", [&](uint32_t tag) {
    switch (tag) {
      case Delimited(courier::SerializedObject::kTensorValueFieldNumber):
        return reader.Deeper(
            [&] { return ReadTensor(reader, *object.mutable_tensor_value(), by_hand_from); });
      case Delimited(courier::SerializedObject::kListValueFieldNumber):
        return reader.Deeper(
            [&] { return ReadList(reader, *object.mutable_list_value(), by_hand_from); });
      case Delimited(courier::SerializedObject::kDictValueFieldNumber):
        return reader.Deeper(
            [&] { return ReadDict(reader, *object.mutable_dict_value(), by_hand_from); });
      case Delimited(courier::SerializedObject::kStringValueFieldNumber):
        return reader.Bytes(*object.mutable_string_value());
      case Delimited(courier::SerializedObject::kUnicodeValueFieldNumber):
        return reader.Bytes(*object.mutable_unicode_value());
      default:
        return reader.MergeField(tag, object);
    }
  });
}

bool ReadResult(grpc::ByteBuffer& reply, courier::SerializedObject& result, size_t by_hand_from) {
  grpc::ProtoBufferReader stream(&reply);
  google::protobuf::io::CodedInputStream in(&stream);
  in.PushLimit(static_cast<int>(
      std::min<size_t>(reply.Length(), static_cast<size_t>(std::numeric_limits<int>::max()))));
  Reader reader(in);
  return reader.EveryField("the reply", [&](uint32_t tag) {
    if (tag != Delimited(courier::CallResponse::kResultFieldNumber)) return Field::kSkip;
    return reader.Deeper([&] {
      return reader.Nested("the result", [&](int number) {
        if (number != courier::CallResult::kResultFieldNumber) return Field::kSkip;
        return reader.Deeper([&] { return ReadObject(reader, result, by_hand_from); });
      });
    });
  });
}

}  // namespace lp::rpc
