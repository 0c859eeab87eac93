#ifndef LP_INTERNAL_COURIER_DISPATCH_H_
#define LP_INTERNAL_COURIER_DISPATCH_H_

// The server half of the typed Courier layer: turns each method listed in
// LP_COURIER_METHODS into an untyped handler that decodes the arguments, calls the method
// and encodes its result. Batched methods: lp/internal/batched_dispatch.h.

#include <set>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lp/courier_methods.h"
#include "lp/internal/batched_dispatch.h"
#include "lp/serialize.h"
#include "lp/courier_server.h"

namespace lp::internal {

// "arg 1" is the first argument: the path prefix of argument decoding errors.
inline std::string ArgumentPath(std::size_t index) { return absl::StrCat("arg ", index + 1); }

// Whether every element type of a std::tuple can be decoded (a type-level check: the
// element types need not be literal types).
template <typename Tuple>
struct AllDecodable;
template <typename... A>
struct AllDecodable<std::tuple<A...>> : std::bool_constant<(Decodable<A> && ...)> {};

template <typename T, typename M>
CourierHandler MakeCourierHandler(T* object, const char* name, M pointer) {
  using Traits = MethodTraits<M>;
  using Args = typename Traits::DecodedArgs;
  static_assert(AllDecodable<Args>::value,
                "LP_COURIER_METHODS: a parameter type of this method is not deserializable; "
                "see lp/serialize.h for the supported types");
  return [object, name, pointer](courier::CallArguments& call,
                                 courier::SerializedObject* result) -> absl::Status {
    if (ArgumentCount(call) != static_cast<int>(Traits::kArity)) {
      return absl::InvalidArgumentError(absl::StrCat("method '", name, "' takes ", Traits::kArity,
                                                     " argument(s), got ", ArgumentCount(call)));
    }
    Args args;
    absl::Status decoded = [&]<std::size_t... I>(std::index_sequence<I...>) {
      absl::Status status;
      // Stops at the first error; moves buffers (tensors, strings) out of the request.
      // (void): for a method without parameters the fold is a bare `true`.
      (void)((status = Decode(MutableArgument(call, static_cast<int>(I)), &std::get<I>(args),
                              ArgumentPath(I)),
              status.ok()) &&
             ...);
      return status;
    }(std::make_index_sequence<Traits::kArity>());
    if (!decoded.ok()) return decoded;

    auto invoke = [&](auto&... values) -> decltype(auto) {
      return (object->*pointer)(std::move(values)...);
    };
    if constexpr (std::is_void_v<typename Traits::Return>) {
      std::apply(invoke, args);
      Encode(std::monostate(), result);
    } else {
      Encode(std::apply(invoke, args), result);
    }
    return absl::OkStatus();
  };
}

// Registers one method: batched ones (lp/batch.h) through a Batcher set up from `batching`;
// the others to run inline when `inline_methods` names them.
template <typename T, typename M>
absl::Status RegisterCourierMethod(T* object, CourierServer& server, const MethodEntry<M>& entry,
                                   const CourierBatching& batching,
                                   const std::set<std::string>& inline_methods) {
  if constexpr (MethodTraits<M>::kBatched) {
    auto options = batching.options.find(entry.name);
    absl::StatusOr<DeferredCourierHandler> handler = MakeBatchedCourierHandler(
        object, entry.name, entry.pointer,
        options == batching.options.end() ? BatchingOptions{} : options->second,
        batching.max_calls);
    if (!handler.ok()) return handler.status();
    // Its calls are taken on arrival: the take step decodes and parks (batched_dispatch.h).
    return server.RegisterDeferredMethod(entry.name, *std::move(handler), {.run_inline = true});
  } else {
    return server.RegisterMethod(entry.name, MakeCourierHandler(object, entry.name, entry.pointer),
                                 {.run_inline = inline_methods.contains(entry.name)});
  }
}

// Registers every method LP_COURIER_METHODS lists for T, bound to `object`, the ones in
// `inline_methods` to run inline (CourierMethodOptions::run_inline). Fails without
// registering the rest when a method cannot be (e.g. its batching cannot work).
template <typename T>
absl::Status RegisterCourierMethods(T* object, CourierServer& server,
                                    const CourierBatching& batching = {},
                                    const std::set<std::string>& inline_methods = {}) {
  static constexpr auto kTable = CourierMethodsOf<T>();
  absl::Status status;
  std::apply(
      [&](const auto&... entry) {
        ((status.ok() ? (void)(status = RegisterCourierMethod(object, server, entry, batching,
                                                              inline_methods))
                      : void()),
         ...);
      },
      kTable.entries);
  return status;
}

}  // namespace lp::internal

#endif  // LP_INTERNAL_COURIER_DISPATCH_H_
