// Codecs for the scalar kinds: integers of every width, bool, float and double.
//
// Integers travel as int_value (int64). Decoding checks the value fits the target width
// and says which value and type when it does not. The one exception is uint64: a C++
// uint64 above INT64_MAX is sent as the int64 with the same bits (two's complement, what
// a static_cast does), and decoding into uint64 reinterprets the bits back. That keeps
// every uint64 (ids, hashes, masks) intact between C++ nodes, at the price that a Python
// peer sees such values as negative ints and that a negative int decodes into uint64
// without complaint. Narrower unsigned types reject negative values.
//
// bool and int are distinct on the wire and never converted into each other (Python's
// True == 1 would otherwise slip through silently). float and double accept int_value,
// because Python callers write `2` where they mean `2.0`.
//
// Plain char, wchar_t and charN_t are not integers here: they are characters, and a
// vector<char> as a list of ints would be a surprise. Use std::string, or int8_t/uint8_t.
#ifndef LP_INTERNAL_SERIALIZATION_SCALARS_H_
#define LP_INTERNAL_SERIALIZATION_SCALARS_H_

#include <concepts>
#include <cstdint>
#include <limits>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "lp/internal/serialization/wire.h"
#include "lp/internal/serialization/codec.h"
#include "lp/internal/serialization/decode_context.h"

namespace lp {
namespace internal {

template <typename T>
concept CharacterType =
    std::same_as<T, char> || std::same_as<T, wchar_t> || std::same_as<T, char8_t> ||
    std::same_as<T, char16_t> || std::same_as<T, char32_t>;

template <typename T>
concept WireInteger = std::integral<T> && !std::same_as<T, bool> && !CharacterType<T>;

// "int8" ... "uint64": names by width, since `long` and `long long` are the same on the wire.
template <WireInteger T>
constexpr std::string_view IntegerTypeName() {
  constexpr bool s = std::is_signed_v<T>;
  switch (sizeof(T)) {
    case 1: return s ? "int8" : "uint8";
    case 2: return s ? "int16" : "uint16";
    case 4: return s ? "int32" : "uint32";
    default: return s ? "int64" : "uint64";
  }
}

// Reads int_value, with a pointed message for bool (never silently an int).
absl::Status DecodeInt64(const courier::SerializedObject& in, int64_t* out,
                         DecodeContext& ctx);

absl::Status IntegerOutOfRange(int64_t value, std::string_view type_name, int64_t min,
                               uint64_t max, DecodeContext& ctx);

}  // namespace internal

template <internal::WireInteger T>
struct Codec<T> {
  static void Encode(const T& value, courier::SerializedObject* out) {
    internal::SetInt(out, static_cast<int64_t>(value));  // uint64: two's complement, see above
  }

  static absl::Status Decode(const courier::SerializedObject& in, T* out, DecodeContext& ctx) {
    int64_t value = 0;
    if (absl::Status status = internal::DecodeInt64(in, &value, ctx); !status.ok()) {
      return status;
    }
    if constexpr (std::is_unsigned_v<T> && sizeof(T) == sizeof(int64_t)) {
      *out = static_cast<T>(value);  // the bits back, see the file comment
    } else {
      if (!std::in_range<T>(value)) {
        return internal::IntegerOutOfRange(value, internal::IntegerTypeName<T>(),
                                           static_cast<int64_t>(std::numeric_limits<T>::min()),
                                           static_cast<uint64_t>(std::numeric_limits<T>::max()),
                                           ctx);
      }
      *out = static_cast<T>(value);
    }
    return absl::OkStatus();
  }
};

template <>
struct Codec<bool> {
  static void Encode(const bool& value, courier::SerializedObject* out);
  static absl::Status Decode(const courier::SerializedObject& in, bool* out, DecodeContext& ctx);
};

template <>
struct Codec<double> {
  static void Encode(const double& value, courier::SerializedObject* out);
  static absl::Status Decode(const courier::SerializedObject& in, double* out,
                             DecodeContext& ctx);
};

// float travels as double_value. Decoding rejects finite values beyond float's range
// (they would become infinity); rounding to float precision is accepted.
template <>
struct Codec<float> {
  static void Encode(const float& value, courier::SerializedObject* out);
  static absl::Status Decode(const courier::SerializedObject& in, float* out, DecodeContext& ctx);
};

}  // namespace lp

#endif  // LP_INTERNAL_SERIALIZATION_SCALARS_H_
