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
// listed (their address is ambiguous). A method taking one lp::Batch<...> is batched: see
// lp/batch.h.

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "lp/batch.h"
#include "lp/serialize.h"

namespace lp::internal {

// What the compiler knows about a member function pointer type.
template <typename M>
struct MethodTraits;

// The signature of a method as callers see it. Plain methods: their own.
template <typename C, typename R, typename... A>
struct MethodSignature {
  using Class = C;
  using Return = R;
  // What arguments are decoded into on the server: the parameters without const/&.
  using DecodedArgs = std::tuple<std::remove_cvref_t<A>...>;
  template <std::size_t I>
  using Param = std::remove_cvref_t<std::tuple_element_t<I, std::tuple<A...>>>;
  static constexpr std::size_t kArity = sizeof...(A);
  static constexpr bool kBatched = false;
};

template <typename P>
struct IsBatch : std::false_type {};
template <typename... A>
struct IsBatch<Batch<A...>> : std::true_type {};

// What one call of a batched method returns: R for std::vector<R>, void for void.
template <typename R>
struct BatchedResult {
  static_assert(sizeof(R) == 0,
                "LP_COURIER_METHODS: a batched method (one lp::Batch<...> parameter) returns "
                "std::vector<R>, one result per call of the batch, or void");
};
template <typename R, typename Allocator>
struct BatchedResult<std::vector<R, Allocator>> {
  using type = R;
};
template <>
struct BatchedResult<void> {
  using type = void;
};

// Batched methods (one lp::Batch<A...> parameter, see lp/batch.h): per call, they take
// A... and return one R of their std::vector<R>.
template <typename C, typename R, typename P>
  requires IsBatch<std::remove_cvref_t<P>>::value
struct MethodSignature<C, R, P> {
  using Class = C;
  using Return = typename BatchedResult<R>::type;
  using BatchType = std::remove_cvref_t<P>;  // Batch<A...>
  using BatchReturn = R;                     // std::vector<Return> or void
  using DecodedArgs = typename BatchType::Arguments;  // std::tuple<A...>
  template <std::size_t I>
  using Param = std::tuple_element_t<I, DecodedArgs>;
  static constexpr std::size_t kArity = std::tuple_size_v<DecodedArgs>;
  static constexpr bool kBatched = true;
};

template <typename C, typename R, typename... A>
struct MethodTraits<R (C::*)(A...)> : MethodSignature<C, R, A...> {};
template <typename C, typename R, typename... A>
struct MethodTraits<R (C::*)(A...) const> : MethodTraits<R (C::*)(A...)> {};
template <typename C, typename R, typename... A>
struct MethodTraits<R (C::*)(A...) noexcept> : MethodTraits<R (C::*)(A...)> {};
template <typename C, typename R, typename... A>
struct MethodTraits<R (C::*)(A...) const noexcept> : MethodTraits<R (C::*)(A...)> {};

// Whether arguments of types A... (as forwarded) convert to the parameters of one call of
// M (per call for a batched method).
template <typename M, typename... A>
constexpr bool ArgumentsConvertTo() {
  using Traits = MethodTraits<M>;
  if constexpr (sizeof...(A) != Traits::kArity) {
    return false;
  } else {
    return []<std::size_t... I>(std::index_sequence<I...>) {
      return (std::is_convertible_v<A, typename Traits::template Param<I>> && ...);
    }(std::index_sequence_for<A...>());
  }
}

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
