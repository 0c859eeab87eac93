#ifndef LP_COURIER_METHODS_H_
#define LP_COURIER_METHODS_H_

// Exposing a class's methods over Courier RPC: the reflection C++ lacks, in one line.
//
//   class Producer {
//    public:
//     int Work(int context);
//     void Reset();
//   };
//   LP_COURIER_METHODS(Producer, Work, Reset);
//
// Write it after the class, at namespace scope, in the class's own namespace (it defines
// a function found by argument-dependent lookup). Each listed method becomes an RPC of
// the same name. Methods may take serializable arguments by value or const reference and
// return a serializable value or void (see lp/serialize.h); overloaded names cannot be
// listed (their address is ambiguous).

#include <cstddef>
#include <tuple>
#include <type_traits>

#include "lp/serialize.h"

namespace lp::internal {

// What the compiler knows about a member function pointer type.
template <typename M>
struct MethodTraits;

template <typename C, typename R, typename... A>
struct MethodTraits<R (C::*)(A...)> {
  using Class = C;
  using Return = R;
  // What arguments are decoded into on the server: the parameters without const/&.
  using DecodedArgs = std::tuple<std::remove_cvref_t<A>...>;
  template <std::size_t I>
  using Param = std::remove_cvref_t<std::tuple_element_t<I, std::tuple<A...>>>;
  static constexpr std::size_t kArity = sizeof...(A);
};
template <typename C, typename R, typename... A>
struct MethodTraits<R (C::*)(A...) const> : MethodTraits<R (C::*)(A...)> {};
template <typename C, typename R, typename... A>
struct MethodTraits<R (C::*)(A...) noexcept> : MethodTraits<R (C::*)(A...)> {};
template <typename C, typename R, typename... A>
struct MethodTraits<R (C::*)(A...) const noexcept> : MethodTraits<R (C::*)(A...)> {};

// One exposed method: its RPC name and its address.
template <typename M>
struct MethodEntry {
  const char* name;
  M pointer;
};
template <typename M>
MethodEntry(const char*, M) -> MethodEntry<M>;

template <typename... M>
struct MethodTable {
  const char* class_name;
  std::tuple<MethodEntry<M>...> entries;
};

template <typename... M>
constexpr MethodTable<M...> MakeMethodTable(const char* class_name, MethodEntry<M>... entries) {
  return {class_name, {entries...}};
}

template <typename T>
concept HasCourierMethods = requires { LpCourierMethods(static_cast<const T*>(nullptr)); };

// The table LP_COURIER_METHODS(T, ...) declared.
template <HasCourierMethods T>
constexpr auto CourierMethodsOf() {
  return LpCourierMethods(static_cast<const T*>(nullptr));
}

// The RPC name of `pointer`, or nullptr when it was not listed in LP_COURIER_METHODS.
template <typename T, typename M>
const char* CourierMethodName(M pointer) {
  static constexpr auto kTable = CourierMethodsOf<T>();
  const char* found = nullptr;
  std::apply(
      [&](const auto&... entry) {
        auto match = [&](const auto& candidate) {
          if constexpr (std::is_same_v<decltype(candidate.pointer), M>) {
            if (found == nullptr && candidate.pointer == pointer) found = candidate.name;
          }
        };
        (match(entry), ...);
      },
      kTable.entries);
  return found;
}

}  // namespace lp::internal

#define LP_INTERNAL_COURIER_METHOD(Type, method) \
  , ::lp::internal::MethodEntry { #method, &Type::method }

#define LP_COURIER_METHODS(Type, ...)                                               \
  [[maybe_unused]] constexpr auto LpCourierMethods(const Type*) {                   \
    return ::lp::internal::MakeMethodTable(                                         \
        #Type LP_INTERNAL_FOR_EACH(LP_INTERNAL_COURIER_METHOD, Type, __VA_ARGS__)); \
  }                                                                                 \
  static_assert(true, "LP_COURIER_METHODS is followed by a semicolon")

#endif  // LP_COURIER_METHODS_H_
