// Readable names for the kinds of value a SerializedObject can hold. Error messages use
// them on both sides: "expected <what the C++ type needs>, got <KindName(received)>".
#ifndef LP_INTERNAL_SERIALIZATION_KINDS_H_
#define LP_INTERNAL_SERIALIZATION_KINDS_H_

#include <string>

#include "lp/internal/serialization/wire.h"

namespace lp::internal {

// "int", "double", "bool", "string" (bytes), "unicode", "list", "tuple", "dict", "none",
// "tensor" or "empty (no value set)". A list with is_tuple set is a "tuple". A kind that
// other Courier implementations send and this one does not support is named as such:
// "jax_tensor_value (field 15), which is not supported".
std::string KindName(const courier::SerializedObject& value);

// True for a list or a tuple (Python sends either where C++ wants a sequence).
bool IsSequence(const courier::SerializedObject& value);

// True for string_value or unicode_value: the two ways text and bytes travel.
bool IsText(const courier::SerializedObject& value);
// The bytes of a string_value or unicode_value; empty for any other kind.
const std::string& TextOf(const courier::SerializedObject& value);

}  // namespace lp::internal

#endif  // LP_INTERNAL_SERIALIZATION_KINDS_H_
