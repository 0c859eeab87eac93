// Codecs for std::pair and std::tuple: a SerializedList with is_tuple = true, which a
// Python peer receives as a tuple. Decoding also accepts a plain list (Python code often
// builds lists where C++ wants a tuple) but always checks the arity.
#ifndef LP_INTERNAL_SERIALIZATION_TUPLES_H_
#define LP_INTERNAL_SERIALIZATION_TUPLES_H_

#include <cstddef>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "lp/internal/serialization/wire.h"
#include "lp/internal/serialization/codec.h"
#include "lp/internal/serialization/decode_context.h"
#include "lp/internal/serialization/list_access.h"

namespace lp {
namespace internal {

// Encodes the elements of `refs` (a tuple of references, const or rvalue) as the types Ts.
template <typename... Ts, typename Refs>
void EncodeTupleElements(Refs&& refs, courier::SerializedObject* out) {
  courier::SerializedList* list = StartList(out, sizeof...(Ts), /*is_tuple=*/true);
  [&]<size_t... I>(std::index_sequence<I...>) {
    (EncodeAs<Ts>(std::get<I>(std::forward<Refs>(refs)), AddItem(list)), ...);
  }(std::index_sequence_for<Ts...>{});
}

// Decodes `in` into the objects referred to by `refs` (a tuple of T&), stopping at the
// first error.
template <typename... Ts, typename Src>
absl::Status DecodeTupleElements(Src& in, std::tuple<Ts&...> refs, DecodeContext& ctx) {
  if (absl::Status s = ExpectSequence(in, "tuple", sizeof...(Ts), ctx); !s.ok()) return s;
  absl::Status status;
  // Decode element I while every earlier one succeeded (&& short-circuits the fold).
  [&]<size_t... I>(std::index_sequence<I...>) {
    static_cast<void>(((status = [&] {
                          DecodeContext::Scope scope = ctx.Index(I);
                          return DecodeFrom<Ts>(ItemAt(in, static_cast<int>(I)), &std::get<I>(refs), ctx);
                        }(),
                        status.ok()) &&
                       ...));
  }(std::index_sequence_for<Ts...>{});
  return status;
}

}  // namespace internal

template <Serializable... Ts>
struct Codec<std::tuple<Ts...>> {
  using Tuple = std::tuple<Ts...>;

  static void Encode(const Tuple& value, courier::SerializedObject* out) {
    internal::EncodeTupleElements<Ts...>(value, out);
  }
  static void EncodeMove(Tuple&& value, courier::SerializedObject* out) {
    internal::EncodeTupleElements<Ts...>(std::move(value), out);
  }
  static absl::Status Decode(const courier::SerializedObject& in, Tuple* out,
                             DecodeContext& ctx) {
    return internal::DecodeTupleElements<Ts...>(in, RefsTo(*out), ctx);
  }
  static absl::Status DecodeMove(courier::SerializedObject* in, Tuple* out, DecodeContext& ctx) {
    return internal::DecodeTupleElements<Ts...>(*in, RefsTo(*out), ctx);
  }

 private:
  static std::tuple<Ts&...> RefsTo(Tuple& value) {
    return std::apply([](Ts&... items) { return std::tie(items...); }, value);
  }
};

template <Serializable A, Serializable B>
struct Codec<std::pair<A, B>> {
  using Pair = std::pair<A, B>;

  static void Encode(const Pair& value, courier::SerializedObject* out) {
    internal::EncodeTupleElements<A, B>(std::tie(value.first, value.second), out);
  }
  static void EncodeMove(Pair&& value, courier::SerializedObject* out) {
    internal::EncodeTupleElements<A, B>(
        std::forward_as_tuple(std::move(value.first), std::move(value.second)), out);
  }
  static absl::Status Decode(const courier::SerializedObject& in, Pair* out, DecodeContext& ctx) {
    return internal::DecodeTupleElements<A, B>(in, std::tie(out->first, out->second), ctx);
  }
  static absl::Status DecodeMove(courier::SerializedObject* in, Pair* out, DecodeContext& ctx) {
    return internal::DecodeTupleElements<A, B>(*in, std::tie(out->first, out->second), ctx);
  }
};

}  // namespace lp

#endif  // LP_INTERNAL_SERIALIZATION_TUPLES_H_
