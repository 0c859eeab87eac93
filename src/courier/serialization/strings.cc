#include "lp/internal/serialization/strings.h"

#include <utility>

#include "lp/internal/serialization/kinds.h"
#include "courier/courier.pb.h"

namespace lp {
namespace {

using courier::SerializedObject;

constexpr std::string_view kExpectedText = "string or unicode";

absl::Status CopyText(const SerializedObject& in, std::string* out, DecodeContext& ctx) {
  if (!internal::IsText(in)) return ctx.Mismatch(kExpectedText, in);
  *out = internal::TextOf(in);
  return absl::OkStatus();
}

absl::Status SwapText(SerializedObject* in, std::string* out, DecodeContext& ctx) {
  // Check the kind on the const view first: the mutable_ accessors would switch the oneof.
  if (!internal::IsText(*in)) return ctx.Mismatch(kExpectedText, *in);
  std::string* text = in->payload_case() == SerializedObject::kUnicodeValue
                          ? in->mutable_unicode_value()
                          : in->mutable_string_value();
  out->swap(*text);
  return absl::OkStatus();
}

}  // namespace

void Codec<std::string>::Encode(const std::string& value, SerializedObject* out) {
  out->set_string_value(value);
}

void Codec<std::string>::EncodeMove(std::string&& value, SerializedObject* out) {
  out->mutable_string_value()->swap(value);
}

absl::Status Codec<std::string>::Decode(const SerializedObject& in, std::string* out,
                                        DecodeContext& ctx) {
  return CopyText(in, out, ctx);
}

absl::Status Codec<std::string>::DecodeMove(SerializedObject* in, std::string* out,
                                            DecodeContext& ctx) {
  return SwapText(in, out, ctx);
}

void Codec<Unicode>::Encode(const Unicode& value, SerializedObject* out) {
  out->set_unicode_value(value.text);
}

void Codec<Unicode>::EncodeMove(Unicode&& value, SerializedObject* out) {
  out->mutable_unicode_value()->swap(value.text);
}

absl::Status Codec<Unicode>::Decode(const SerializedObject& in, Unicode* out,
                                    DecodeContext& ctx) {
  return CopyText(in, &out->text, ctx);
}

absl::Status Codec<Unicode>::DecodeMove(SerializedObject* in, Unicode* out,
                                        DecodeContext& ctx) {
  return SwapText(in, &out->text, ctx);
}

void Codec<std::string_view>::Encode(const std::string_view& value, SerializedObject* out) {
  out->set_string_value(value.data(), value.size());
}

void Codec<const char*>::Encode(const char* const& value, SerializedObject* out) {
  if (value == nullptr) {
    out->set_none_value(true);
  } else {
    out->set_string_value(value);
  }
}

}  // namespace lp
