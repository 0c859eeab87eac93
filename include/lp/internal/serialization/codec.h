// The Codec trait: how one C++ type maps onto courier::SerializedObject.
//
// Every supported type has a specialisation of lp::Codec<T> with
//
//   static void Encode(const T& value, courier::SerializedObject* out);
//   static absl::Status Decode(const courier::SerializedObject& in, T* out,
//                              DecodeContext& ctx);
//
// and may add two buffer-stealing variants, used automatically when they exist:
//
//   static void EncodeMove(T&& value, courier::SerializedObject* out);
//   static absl::Status DecodeMove(courier::SerializedObject* in, T* out,
//                                  DecodeContext& ctx);
//
// Encode cannot fail: every C++ value of a supported type has a wire form. Decode reports
// a mismatch through ctx (which knows the path) and leaves *out valid but unspecified.
// The unspecialised template is empty, so Encodable/Decodable are false for unsupported
// types and the public entry points can static_assert with a readable message.
//
// To support your own type, either use LP_SERIALIZABLE (structs, see lp/serialize.h) or
// specialise lp::Codec<YourType> with the two functions above: delegate to the codecs of
// the types it is made of (lp::Encode(part, out)), or include "courier/courier.pb.h" to
// set the object's fields yourself (this header only declares the wire types, wire.h).
#ifndef LP_INTERNAL_SERIALIZATION_CODEC_H_
#define LP_INTERNAL_SERIALIZATION_CODEC_H_

#include <concepts>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "lp/internal/serialization/wire.h"
#include "lp/internal/serialization/decode_context.h"

namespace lp {

template <typename T>
struct Codec {};

template <typename T>
concept Encodable = requires(const T& value, courier::SerializedObject* out) {
  { Codec<T>::Encode(value, out) } -> std::same_as<void>;
};

// Containers decode element by element into default-constructed temporaries, hence the
// default_initializable requirement.
template <typename T>
concept Decodable = std::default_initializable<T> &&
    requires(const courier::SerializedObject& in, T* out, DecodeContext& ctx) {
  { Codec<T>::Decode(in, out, ctx) } -> std::same_as<absl::Status>;
};

template <typename T>
concept Serializable = Encodable<T> && Decodable<T>;

template <typename T>
struct IsSerializable : std::bool_constant<Serializable<T>> {};

namespace internal {

template <typename T>
concept HasEncodeMove = requires(T&& value, courier::SerializedObject* out) {
  Codec<T>::EncodeMove(std::move(value), out);
};

template <typename T>
concept HasDecodeMove = requires(courier::SerializedObject* in, T* out, DecodeContext& ctx) {
  Codec<T>::DecodeMove(in, out, ctx);
};

// Encodes `value` as a T. Containers call this for their elements so that encoding an
// rvalue container moves each element's buffer (a vector<Tensor> is not copied).
template <typename T, typename U>
void EncodeAs(U&& value, courier::SerializedObject* out) {
  if constexpr (!std::is_lvalue_reference_v<U> && HasEncodeMove<T>) {
    Codec<T>::EncodeMove(std::move(value), out);
  } else {
    Codec<T>::Encode(value, out);
  }
}

// Decodes `in` as a T. `Src` is `const SerializedObject` (copying) or `SerializedObject`
// (the caller gave up the input, so buffers may be swapped out of it).
template <typename T, typename Src>
absl::Status DecodeFrom(Src& in, T* out, DecodeContext& ctx) {
  if constexpr (!std::is_const_v<Src> && HasDecodeMove<T>) {
    return Codec<T>::DecodeMove(&in, out, ctx);
  } else {
    return Codec<T>::Decode(in, out, ctx);
  }
}

}  // namespace internal
}  // namespace lp

#endif  // LP_INTERNAL_SERIALIZATION_CODEC_H_
