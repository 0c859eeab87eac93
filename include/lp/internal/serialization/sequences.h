// Codecs for std::vector and std::array: a SerializedList (is_tuple = false).
// Decoding also accepts a tuple, since Python callers pass tuples and lists alike;
// std::array additionally requires the exact length.
#ifndef LP_INTERNAL_SERIALIZATION_SEQUENCES_H_
#define LP_INTERNAL_SERIALIZATION_SEQUENCES_H_

#include <array>
#include <cstddef>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "lp/internal/serialization/wire.h"
#include "lp/internal/serialization/codec.h"
#include "lp/internal/serialization/decode_context.h"
#include "lp/internal/serialization/list_access.h"

namespace lp {

template <Serializable T, typename Alloc>
struct Codec<std::vector<T, Alloc>> {
  using Vector = std::vector<T, Alloc>;

  static void Encode(const Vector& value, courier::SerializedObject* out) {
    courier::SerializedList* list = internal::StartList(out, value.size(), false);
    // `auto&&`, not `const T&`: vector<bool> yields proxies.
    for (auto&& item : value) internal::EncodeAs<T>(item, internal::AddItem(list));
  }

  static void EncodeMove(Vector&& value, courier::SerializedObject* out)
    requires internal::HasEncodeMove<T>
  {
    courier::SerializedList* list = internal::StartList(out, value.size(), false);
    for (T& item : value) internal::EncodeAs<T>(std::move(item), internal::AddItem(list));
  }

  static absl::Status Decode(const courier::SerializedObject& in, Vector* out,
                             DecodeContext& ctx) {
    return DecodeImpl(in, out, ctx);
  }

  static absl::Status DecodeMove(courier::SerializedObject* in, Vector* out, DecodeContext& ctx)
    requires internal::HasDecodeMove<T>
  {
    return DecodeImpl(*in, out, ctx);
  }

 private:
  template <typename Src>
  static absl::Status DecodeImpl(Src& in, Vector* out, DecodeContext& ctx) {
    if (absl::Status s = internal::ExpectSequence(in, "list", internal::kAnySize, ctx); !s.ok()) {
      return s;
    }
    const int count = internal::ItemCount(in);
    out->clear();
    out->reserve(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) {
      DecodeContext::Scope scope = ctx.Index(static_cast<size_t>(i));
      T element{};
      if (absl::Status s = internal::DecodeFrom<T>(internal::ItemAt(in, i), &element, ctx);
          !s.ok()) {
        return s;
      }
      out->push_back(std::move(element));
    }
    return absl::OkStatus();
  }
};

template <Serializable T, size_t N>
struct Codec<std::array<T, N>> {
  using Array = std::array<T, N>;

  static void Encode(const Array& value, courier::SerializedObject* out) {
    courier::SerializedList* list = internal::StartList(out, N, false);
    for (const T& item : value) internal::EncodeAs<T>(item, internal::AddItem(list));
  }

  static void EncodeMove(Array&& value, courier::SerializedObject* out)
    requires internal::HasEncodeMove<T>
  {
    courier::SerializedList* list = internal::StartList(out, N, false);
    for (T& item : value) internal::EncodeAs<T>(std::move(item), internal::AddItem(list));
  }

  static absl::Status Decode(const courier::SerializedObject& in, Array* out,
                             DecodeContext& ctx) {
    return DecodeImpl(in, out, ctx);
  }

  static absl::Status DecodeMove(courier::SerializedObject* in, Array* out, DecodeContext& ctx)
    requires internal::HasDecodeMove<T>
  {
    return DecodeImpl(*in, out, ctx);
  }

 private:
  template <typename Src>
  static absl::Status DecodeImpl(Src& in, Array* out, DecodeContext& ctx) {
    if (absl::Status s = internal::ExpectSequence(in, "list", N, ctx); !s.ok()) return s;
    for (size_t index = 0; index < N; ++index) {
      DecodeContext::Scope scope = ctx.Index(index);
      if (absl::Status s = internal::DecodeFrom<T>(internal::ItemAt(in, static_cast<int>(index)),
                                                   &(*out)[index], ctx);
          !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  }
};

}  // namespace lp

#endif  // LP_INTERNAL_SERIALIZATION_SEQUENCES_H_
