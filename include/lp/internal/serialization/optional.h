// Codecs for "no value": std::optional<T> (empty ↔ none_value, Python's None) and
// std::monostate, the stand-in for `void` (a method without a result sends none).
#ifndef LP_INTERNAL_SERIALIZATION_OPTIONAL_H_
#define LP_INTERNAL_SERIALIZATION_OPTIONAL_H_

#include <optional>
#include <utility>
#include <variant>

#include "absl/status/status.h"
#include "lp/internal/serialization/wire.h"
#include "lp/internal/serialization/codec.h"
#include "lp/internal/serialization/decode_context.h"

namespace lp {

template <>
struct Codec<std::monostate> {
  static void Encode(const std::monostate& value, courier::SerializedObject* out);
  // Only none is accepted: a result where none was expected is a contract mismatch.
  static absl::Status Decode(const courier::SerializedObject& in, std::monostate* out,
                             DecodeContext& ctx);
};

template <Serializable T>
struct Codec<std::optional<T>> {
  static void Encode(const std::optional<T>& value, courier::SerializedObject* out) {
    if (value.has_value()) {
      internal::EncodeAs<T>(*value, out);
    } else {
      internal::SetNone(out);
    }
  }

  static void EncodeMove(std::optional<T>&& value, courier::SerializedObject* out) {
    if (value.has_value()) {
      internal::EncodeAs<T>(std::move(*value), out);
    } else {
      internal::SetNone(out);
    }
  }

  static absl::Status Decode(const courier::SerializedObject& in, std::optional<T>* out,
                             DecodeContext& ctx) {
    return DecodeImpl(in, out, ctx);
  }

  static absl::Status DecodeMove(courier::SerializedObject* in, std::optional<T>* out,
                                 DecodeContext& ctx) {
    return DecodeImpl(*in, out, ctx);
  }

 private:
  template <typename Src>
  static absl::Status DecodeImpl(Src& in, std::optional<T>* out, DecodeContext& ctx) {
    if (internal::IsNone(in)) {
      out->reset();
      return absl::OkStatus();
    }
    return internal::DecodeFrom<T>(in, &out->emplace(), ctx);
  }
};

}  // namespace lp

#endif  // LP_INTERNAL_SERIALIZATION_OPTIONAL_H_
