#include "lp/internal/serialization/scalars.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "lp/internal/serialization/absl_view.h"
#include "courier/courier.pb.h"

namespace lp {
namespace internal {

using courier::SerializedObject;

absl::Status DecodeInt64(const SerializedObject& in, int64_t* out, DecodeContext& ctx) {
  switch (in.payload_case()) {
    case SerializedObject::kIntValue:
      *out = in.int_value();
      return absl::OkStatus();
    case SerializedObject::kBoolValue:
      return ctx.Mismatch("int", in, "bools are not converted to int");
    default:
      return ctx.Mismatch("int", in);
  }
}

absl::Status IntegerOutOfRange(int64_t value, std::string_view type_name, int64_t min,
                               uint64_t max, DecodeContext& ctx) {
  return ctx.Error(absl::StrCat("int value ", value, " is out of range for ",
                                AbslView(type_name), " [",
                                min, ", ", max, "]"));
}

}  // namespace internal

namespace {

using courier::SerializedObject;

// Reads a floating value from double_value or int_value (a Python `2`).
absl::Status DecodeFloating(const SerializedObject& in, std::string_view expected,
                            double* out, DecodeContext& ctx) {
  switch (in.payload_case()) {
    case SerializedObject::kDoubleValue:
      *out = in.double_value();
      return absl::OkStatus();
    case SerializedObject::kIntValue:
      *out = static_cast<double>(in.int_value());
      return absl::OkStatus();
    case SerializedObject::kBoolValue:
      return ctx.Mismatch(expected, in, "bools are not converted to numbers");
    default:
      return ctx.Mismatch(expected, in);
  }
}

}  // namespace

void Codec<bool>::Encode(const bool& value, SerializedObject* out) {
  out->set_bool_value(value);
}

absl::Status Codec<bool>::Decode(const SerializedObject& in, bool* out, DecodeContext& ctx) {
  switch (in.payload_case()) {
    case SerializedObject::kBoolValue:
      *out = in.bool_value();
      return absl::OkStatus();
    case SerializedObject::kIntValue:
      return ctx.Mismatch("bool", in, "ints are not converted to bool");
    default:
      return ctx.Mismatch("bool", in);
  }
}

void Codec<double>::Encode(const double& value, SerializedObject* out) {
  out->set_double_value(value);
}

absl::Status Codec<double>::Decode(const SerializedObject& in, double* out,
                                   DecodeContext& ctx) {
  return DecodeFloating(in, "double", out, ctx);
}

void Codec<float>::Encode(const float& value, SerializedObject* out) {
  out->set_double_value(value);
}

absl::Status Codec<float>::Decode(const SerializedObject& in, float* out, DecodeContext& ctx) {
  double value = 0;
  if (absl::Status status = DecodeFloating(in, "float", &value, ctx); !status.ok()) {
    return status;
  }
  if (std::isfinite(value) && std::fabs(value) > std::numeric_limits<float>::max()) {
    return ctx.Error(absl::StrCat("double value ", value, " is out of range for float"));
  }
  *out = static_cast<float>(value);
  return absl::OkStatus();
}

}  // namespace lp
