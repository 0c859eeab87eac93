#include "lp/internal/serialization/kinds.h"

#include <google/protobuf/unknown_field_set.h>

#include "absl/strings/str_cat.h"
#include "courier/courier.pb.h"

namespace lp::internal {
namespace {

using courier::SerializedObject;

// What an empty-looking object holds when a peer set a payload field this .proto lacks
// (DeepMind Courier's Python side has a few more), or "" when it holds nothing.
std::string UnsupportedKind(const SerializedObject& value) {
  const google::protobuf::UnknownFieldSet& unknown =
      value.GetReflection()->GetUnknownFields(value);
  if (unknown.empty()) return "";
  const int number = unknown.field(0).number();
  const char* name = number == 12   ? "reduced_object_value (a pickled Python object), field "
                     : number == 14 ? "type_value (a Python type), field "
                     : number == 15 ? "jax_tensor_value (a JAX array), field "
                                    : "field ";
  return absl::StrCat(name, number, ", which is not supported here");
}

}  // namespace

std::string KindName(const SerializedObject& value) {
  switch (value.payload_case()) {
    case SerializedObject::kIntValue: return "int";
    case SerializedObject::kDoubleValue: return "double";
    case SerializedObject::kBoolValue: return "bool";
    case SerializedObject::kStringValue: return "string";
    case SerializedObject::kUnicodeValue: return "unicode";
    case SerializedObject::kListValue:
      return value.list_value().is_tuple() ? "tuple" : "list";
    case SerializedObject::kDictValue: return "dict";
    case SerializedObject::kNoneValue: return "none";
    case SerializedObject::kTensorValue: return "tensor";
    // Only a request that names its shared memory, or the reply to one that lent memory,
    // may hold one, and the receiver reads it into a tensor before any decoder sees it.
    case SerializedObject::kSharedTensorValue:
      return "tensor in shared memory (outside a call that names its memory)";
    case SerializedObject::PAYLOAD_NOT_SET: {
      std::string unsupported = UnsupportedKind(value);
      return unsupported.empty() ? "empty (no value set)" : unsupported;
    }
  }
  // A payload case this build does not know (a newer peer): still say something useful.
  return "unknown kind";
}

bool IsSequence(const SerializedObject& value) {
  return value.payload_case() == SerializedObject::kListValue;
}

bool IsText(const SerializedObject& value) {
  return value.payload_case() == SerializedObject::kStringValue ||
         value.payload_case() == SerializedObject::kUnicodeValue;
}

const std::string& TextOf(const SerializedObject& value) {
  // Both accessors return the empty default string when their field is not the one set.
  return value.payload_case() == SerializedObject::kUnicodeValue ? value.unicode_value()
                                                                  : value.string_value();
}

}  // namespace lp::internal
