// lp::ParseSerializedObject (include/lp/serialized_object.h).
#include <limits>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "lp/serialized_object.h"
#include "courier/courier.pb.h"

namespace lp {

absl::StatusOr<courier::SerializedObject> ParseSerializedObject(std::string_view bytes) {
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return absl::InvalidArgumentError(
        absl::StrCat("serialized object of ", bytes.size(), " bytes exceeds protobuf's 2 GiB limit"));
  }
  courier::SerializedObject object;
  // ParseFromArray enforces protobuf's default recursion limit, so hostile nesting fails
  // here instead of overflowing the stack.
  if (!object.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "corrupted or truncated SerializedObject (", bytes.size(), " bytes could not be parsed)"));
  }
  return object;
}

}  // namespace lp
