// courier::SerializedObject by value: lp::Encode(value) returning one, and
// lp::ParseSerializedObject. A header of its own because it includes the generated
// courier.pb.h, which lp/serialize.h and <lp/lp.h> leave out (issue 12): include it where
// code handles the wire objects themselves (custom codecs, tests, tools).
#ifndef LP_INCLUDE_LP_SERIALIZED_OBJECT_H_
#define LP_INCLUDE_LP_SERIALIZED_OBJECT_H_

#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "courier/courier.pb.h"
#include "lp/serialize.h"

namespace lp {

// `value` as a new SerializedObject.
template <typename T>
courier::SerializedObject Encode(T&& value) {
  courier::SerializedObject out;
  Encode(std::forward<T>(value), &out);
  return out;
}

// `bytes` (SerializedObject's protobuf encoding) parsed, or InvalidArgument saying why not
// (corrupted, truncated, nested too deep, over protobuf's 2 GiB).
absl::StatusOr<courier::SerializedObject> ParseSerializedObject(std::string_view bytes);

}  // namespace lp

#endif  // LP_INCLUDE_LP_SERIALIZED_OBJECT_H_
