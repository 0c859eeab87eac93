// Codecs for text and bytes.
//
// Python has two string types and Courier keeps them apart: bytes travel as string_value,
// str as unicode_value. C++ has one, std::string, which is a byte container with no
// promised encoding, so:
//
//   * std::string (and std::string_view / const char* as arguments) encodes as
//     string_value. It is always safe: a Python peer receives `bytes`, never a decode
//     error on non-UTF-8 data. It decodes from either kind, so Python `str` arguments work.
//   * lp::Unicode wraps a std::string that holds UTF-8 text and encodes as unicode_value,
//     which a Python peer receives as `str`. Use it where a Python caller expects str
//     (results, dict keys). The UTF-8 is not validated here; the receiver does that.
//
// string_view and const char* can only be sent (there is nothing for them to own when
// decoding); a null const char* is sent as none.
#ifndef LP_INTERNAL_SERIALIZATION_STRINGS_H_
#define LP_INTERNAL_SERIALIZATION_STRINGS_H_

#include <compare>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "lp/internal/serialization/wire.h"
#include "lp/internal/serialization/codec.h"
#include "lp/internal/serialization/decode_context.h"

namespace lp {

// UTF-8 text that a Python peer should see as `str` (see above).
struct Unicode {
  std::string text;

  Unicode() = default;
  Unicode(std::string t) : text(std::move(t)) {}  // NOLINT: implicit, like std::string
  Unicode(const char* t) : text(t) {}             // NOLINT

  friend bool operator==(const Unicode&, const Unicode&) = default;
  friend auto operator<=>(const Unicode&, const Unicode&) = default;
};

template <>
struct Codec<std::string> {
  static void Encode(const std::string& value, courier::SerializedObject* out);
  static void EncodeMove(std::string&& value, courier::SerializedObject* out);
  static absl::Status Decode(const courier::SerializedObject& in, std::string* out,
                             DecodeContext& ctx);
  // Swaps the bytes out of `in` instead of copying them.
  static absl::Status DecodeMove(courier::SerializedObject* in, std::string* out,
                                 DecodeContext& ctx);
};

template <>
struct Codec<Unicode> {
  static void Encode(const Unicode& value, courier::SerializedObject* out);
  static void EncodeMove(Unicode&& value, courier::SerializedObject* out);
  static absl::Status Decode(const courier::SerializedObject& in, Unicode* out,
                             DecodeContext& ctx);
  static absl::Status DecodeMove(courier::SerializedObject* in, Unicode* out,
                                 DecodeContext& ctx);
};

template <>
struct Codec<std::string_view> {
  static void Encode(const std::string_view& value, courier::SerializedObject* out);
};

template <>
struct Codec<const char*> {
  static void Encode(const char* const& value, courier::SerializedObject* out);
};

}  // namespace lp

template <>
struct std::hash<lp::Unicode> {
  size_t operator()(const lp::Unicode& value) const noexcept {
    return std::hash<std::string>()(value.text);
  }
};

#endif  // LP_INTERNAL_SERIALIZATION_STRINGS_H_
