#include "src/courier/serialization/kinds.h"

namespace lp::internal {

using courier::SerializedObject;

std::string_view KindName(const SerializedObject& value) {
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
    case SerializedObject::PAYLOAD_NOT_SET: return "empty (no value set)";
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
