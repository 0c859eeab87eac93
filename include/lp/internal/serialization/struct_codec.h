// The machinery behind LP_SERIALIZABLE (declared in lp/serialize.h): user structs travel as
// a dict of field name → value, so a Python peer reads them as a plain dict.
//
// Field names are sent as unicode_value, so Python sees str keys (`d["x"]`, not `d[b"x"]`);
// decoding accepts string_value keys too. Decoding requires every listed field, and names a
// missing, unknown or duplicated key.
//
// How it hooks in: LP_SERIALIZABLE(Point, x, y) defines, next to Point, a constexpr function
// `LpSerializableFields(const Point*)` returning the type name and (name, member pointer)
// pairs. Codec<T> finds it by argument-dependent lookup, which is why the macro works for a
// struct in any namespace as long as it is written in that same namespace.
#ifndef LP_INTERNAL_SERIALIZATION_STRUCT_CODEC_H_
#define LP_INTERNAL_SERIALIZATION_STRUCT_CODEC_H_

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "lp/internal/serialization/wire.h"
#include "lp/internal/serialization/codec.h"
#include "lp/internal/serialization/decode_context.h"
#include "lp/internal/serialization/maps.h"

namespace lp {
namespace internal {

template <typename Class, typename Member>
struct StructField {
  using Type = Member;
  std::string_view name;
  Member Class::*member;
};

template <typename Class, typename Member>
constexpr StructField<Class, Member> MakeField(std::string_view name, Member Class::*member) {
  return {name, member};
}

template <typename... Fields>
struct StructFields {
  std::string_view type_name;
  std::tuple<Fields...> fields;
};

template <typename... Fields>
constexpr StructFields<Fields...> MakeStructFields(std::string_view type_name,
                                                   Fields... fields) {
  static_assert(sizeof...(Fields) > 0, "LP_SERIALIZABLE needs at least one field");
  return {type_name, {fields...}};
}

// Blocks ordinary lookup from finding anything; the real ones are found by ADL.
void LpSerializableFields() = delete;

template <typename T>
concept HasStructFields = requires(const T* p) { LpSerializableFields(p); };

template <typename T>
constexpr auto FieldsOf() {
  return LpSerializableFields(static_cast<const T*>(nullptr));
}

template <typename... Fields>
constexpr bool AllSerializable(const std::tuple<Fields...>*) {
  return (Serializable<typename Fields::Type> && ...);
}

template <typename T>
concept AllFieldsSerializable =
    AllSerializable(static_cast<const decltype(FieldsOf<T>().fields)*>(nullptr));

// Finds, for every field name, the dict entry holding it: on success
// entry_for_field[j] is the index in `dict` of field j. Errors name a key that is not a
// string, an unknown or duplicated field, or the first missing one.
absl::Status MatchStructKeys(const courier::SerializedDict& dict,
                             std::span<const std::string_view> field_names,
                             std::string_view type_name, std::span<int> entry_for_field,
                             DecodeContext& ctx);

template <typename T>
constexpr auto FieldNamesOf() {
  return std::apply(
      [](auto... fields) { return std::array<std::string_view, sizeof...(fields)>{fields.name...}; },
      FieldsOf<T>().fields);
}

}  // namespace internal

template <typename T>
  requires internal::HasStructFields<T> && internal::AllFieldsSerializable<T>
struct Codec<T> {
  static void Encode(const T& value, courier::SerializedObject* out) {
    EncodeImpl(value, out);
  }
  static void EncodeMove(T&& value, courier::SerializedObject* out) {
    EncodeImpl(std::move(value), out);
  }
  static absl::Status Decode(const courier::SerializedObject& in, T* out, DecodeContext& ctx) {
    return DecodeImpl(in, out, ctx);
  }
  static absl::Status DecodeMove(courier::SerializedObject* in, T* out, DecodeContext& ctx) {
    return DecodeImpl(*in, out, ctx);
  }

 private:
  static constexpr auto kFields = internal::FieldsOf<T>();
  static constexpr auto kNames = internal::FieldNamesOf<T>();

  // `Ref` is const T& or T&&; each field is encoded (or moved) from it in order.
  template <typename Ref>
  static void EncodeImpl(Ref&& value, courier::SerializedObject* out) {
    courier::SerializedDict* dict = internal::StartDict(out, kNames.size());
    std::apply(
        [&](auto... fields) {
          (EncodeField<typename decltype(fields)::Type>(std::forward<Ref>(value).*(fields.member),
                                                        fields.name, dict),
           ...);
        },
        kFields.fields);
  }

  template <typename Member, typename U>
  static void EncodeField(U&& member, std::string_view name, courier::SerializedDict* dict) {
    internal::SetUnicode(internal::AddKey(dict), name);
    internal::EncodeAs<Member>(std::forward<U>(member), internal::AddValue(dict));
  }

  template <typename Src>
  static absl::Status DecodeImpl(Src& in, T* out, DecodeContext& ctx) {
    std::string expected = "dict (struct ";
    expected.append(kFields.type_name.data(), kFields.type_name.size());
    expected += ")";
    if (absl::Status s = internal::ExpectDict(in, expected, ctx); !s.ok()) return s;
    auto& dict = internal::DictOf(in);
    std::array<int, kNames.size()> entry_for_field{};
    if (absl::Status s = internal::MatchStructKeys(dict, kNames, kFields.type_name,
                                                   entry_for_field, ctx);
        !s.ok()) {
      return s;
    }
    absl::Status status;
    size_t j = 0;
    std::apply(
        [&](auto... fields) {
          // Field by field while every earlier one succeeded (&& short-circuits the fold).
          static_cast<void>(((status = [&] {
             using Member = typename decltype(fields)::Type;
             DecodeContext::Scope scope = ctx.Field(fields.name);
             return internal::DecodeFrom<Member>(internal::ValueAt(dict, entry_for_field[j++]),
                                                 &(out->*(fields.member)), ctx);
           }(),
            status.ok()) &&
           ...));
        },
        kFields.fields);
    return status;
  }
};

}  // namespace lp

// LP_INTERNAL_FOR_EACH(m, Type, a, b, c) expands to m(Type, a) m(Type, b) m(Type, c), for
// up to 64 arguments (C++20 __VA_OPT__ recursion; each EXPAND level rescans 4 times).
#define LP_INTERNAL_PARENS ()
#define LP_INTERNAL_EXPAND(...) \
  LP_INTERNAL_EXPAND3(LP_INTERNAL_EXPAND3(LP_INTERNAL_EXPAND3(LP_INTERNAL_EXPAND3(__VA_ARGS__))))
#define LP_INTERNAL_EXPAND3(...) \
  LP_INTERNAL_EXPAND2(LP_INTERNAL_EXPAND2(LP_INTERNAL_EXPAND2(LP_INTERNAL_EXPAND2(__VA_ARGS__))))
#define LP_INTERNAL_EXPAND2(...) \
  LP_INTERNAL_EXPAND1(LP_INTERNAL_EXPAND1(LP_INTERNAL_EXPAND1(LP_INTERNAL_EXPAND1(__VA_ARGS__))))
#define LP_INTERNAL_EXPAND1(...) __VA_ARGS__
#define LP_INTERNAL_FOR_EACH(m, Type, ...) \
  __VA_OPT__(LP_INTERNAL_EXPAND(LP_INTERNAL_FOR_EACH_STEP(m, Type, __VA_ARGS__)))
#define LP_INTERNAL_FOR_EACH_STEP(m, Type, first, ...) \
  m(Type, first) __VA_OPT__(LP_INTERNAL_FOR_EACH_AGAIN LP_INTERNAL_PARENS(m, Type, __VA_ARGS__))
#define LP_INTERNAL_FOR_EACH_AGAIN() LP_INTERNAL_FOR_EACH_STEP

#define LP_INTERNAL_STRUCT_FIELD(Type, field) , ::lp::internal::MakeField(#field, &Type::field)

#endif  // LP_INTERNAL_SERIALIZATION_STRUCT_CODEC_H_
