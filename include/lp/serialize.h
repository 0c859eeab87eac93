// Serialization: C++ values to and from courier::SerializedObject, the Courier wire format
// (DESIGN.md §3), so C++ nodes can talk to each other and to Python Launchpad programs.
//
//   courier::SerializedObject wire;
//   lp::Encode(std::vector<int>{1, 2, 3}, &wire);
//   absl::StatusOr<std::vector<int>> back = lp::DecodeAs<std::vector<int>>(wire, "arg 0");
//
// Supported types and their wire kinds:
//
//   int8..int64, uint8..uint64      int      (range-checked on decode; uint64 above INT64_MAX
//                                             travels as two's complement, see scalars.h)
//   float, double                   double   (decode also accepts int)
//   bool                            bool     (never converted to or from int)
//   std::string                     string   (bytes; decodes from string or unicode)
//   lp::Unicode                     unicode  (Python str; see strings.h for the choice)
//   std::string_view, const char*   string   (encode only, for arguments)
//   std::vector<T>, std::array<T,N> list     (decode also accepts a tuple; array checks N)
//   std::pair, std::tuple           tuple    (decode also accepts a list; arity checked)
//   std::map, std::unordered_map    dict     (any serializable key type)
//   std::optional<T>                T or none
//   std::monostate                  none     (stand-in for a void result)
//   lp::Tensor                      tensor   (TensorProto: dtype, shape, tensor_content)
//   structs via LP_SERIALIZABLE     dict     (field name as unicode → value)
//
// and any nesting of these. Other types: specialise lp::Codec<T> (see codec.h).
//
// This header holds the wire types by pointer and reference only, so that it does not
// make its users parse protobuf (see lp/internal/serialization/wire.h). To hold a
// courier::SerializedObject by value, as above, include "courier/courier.pb.h"; for
// lp::Encode(value) returning one and lp::ParseSerializedObject, lp/serialized_object.h.
//
// Errors: Decode returns InvalidArgument naming the path, what the C++ type expected and
// what arrived, e.g. `arg 1 → [3] → "y": expected int, got string`. Nothing here throws
// (lp::Tensor's own accessors do, on programmer error; see tensor.h).
//
// Performance: encoding an rvalue (`lp::Encode(std::move(v), &wire)`) and decoding from a
// mutable proto (`lp::Decode(&wire, &v)`) swap string and tensor buffers instead of copying
// them, element by element through nested containers.
#ifndef LP_INCLUDE_LP_SERIALIZE_H_
#define LP_INCLUDE_LP_SERIALIZE_H_

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lp/tensor.h"
#include "lp/internal/serialization/codec.h"
#include "lp/internal/serialization/decode_context.h"
#include "lp/internal/serialization/maps.h"
#include "lp/internal/serialization/optional.h"
#include "lp/internal/serialization/scalars.h"
#include "lp/internal/serialization/sequences.h"
#include "lp/internal/serialization/strings.h"
#include "lp/internal/serialization/struct_codec.h"
#include "lp/internal/serialization/tensor_codec.h"
#include "lp/internal/serialization/tuples.h"
#include "lp/internal/serialization/wire.h"

// Makes a struct serializable as a dict of its fields:
//
//   namespace geo {
//   struct Point { int x = 0; double y = 0; };
//   LP_SERIALIZABLE(Point, x, y);
//   }  // namespace geo
//
// Write it after the struct, at namespace scope, in the struct's own namespace (it defines
// a function that lp finds by argument-dependent lookup). Fields must be public, have
// serializable types and be listed by name (up to 64); the struct must be default
// constructible. A nested type works too: LP_SERIALIZABLE(Outer::Inner, a, b) written in
// Outer's namespace.
#define LP_SERIALIZABLE(Type, ...)                                                \
  [[maybe_unused]] constexpr auto LpSerializableFields(const Type*) {             \
    return ::lp::internal::MakeStructFields(                                      \
        #Type LP_INTERNAL_FOR_EACH(LP_INTERNAL_STRUCT_FIELD, Type, __VA_ARGS__)); \
  }                                                                               \
  static_assert(true, "LP_SERIALIZABLE is followed by a semicolon")

namespace lp {

// Writes `value` into `*out` (replacing what was there). Buffers of an rvalue are moved.
template <typename T>
void Encode(T&& value, courier::SerializedObject* out) {
  using V = std::decay_t<T>;  // decay: a string literal is sent as const char*
  static_assert(Encodable<V>,
                "lp::Encode: this type is not serializable. Supported: integers, float, "
                "double, bool, strings, vector, array, map, unordered_map, pair, tuple, "
                "optional, lp::Tensor, and structs declared with LP_SERIALIZABLE.");
  internal::ClearObject(out);
  internal::EncodeAs<V>(std::forward<T>(value), out);
}

template <typename T>
absl::Status Decode(const courier::SerializedObject& in, T* out, std::string_view path = "") {
  static_assert(Decodable<T>,
                "lp::Decode: this type is not deserializable (see lp/serialize.h for the "
                "supported types; string_view and const char* can only be encoded).");
  DecodeContext ctx{std::string(path)};
  return internal::DecodeFrom<T>(in, out, ctx);
}

// As above, but may move buffers (strings, tensor contents) out of `*in` instead of copying
// them; `*in` is left valid but unspecified.
template <typename T>
absl::Status Decode(courier::SerializedObject* in, T* out, std::string_view path = "") {
  static_assert(Decodable<T>,
                "lp::Decode: this type is not deserializable (see lp/serialize.h for the "
                "supported types; string_view and const char* can only be encoded).");
  DecodeContext ctx{std::string(path)};
  return internal::DecodeFrom<T>(*in, out, ctx);
}

template <typename T>
absl::StatusOr<T> DecodeAs(const courier::SerializedObject& in, std::string_view path = "") {
  T value{};
  if (absl::Status status = Decode(in, &value, path); !status.ok()) return status;
  return value;
}

template <typename T>
absl::StatusOr<T> DecodeAs(courier::SerializedObject* in, std::string_view path = "") {
  T value{};
  if (absl::Status status = Decode(in, &value, path); !status.ok()) return status;
  return value;
}

// Parses wire bytes. Corrupted or truncated input, and nesting deeper than protobuf's
// recursion limit (100), give InvalidArgument rather than a crash.
}  // namespace lp

#endif  // LP_INCLUDE_LP_SERIALIZE_H_
