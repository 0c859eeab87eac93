#ifndef LP_INTERNAL_COURIER_DISPATCH_H_
#define LP_INTERNAL_COURIER_DISPATCH_H_

// The server half of the typed Courier layer: turns each method listed in
// LP_COURIER_METHODS into an untyped handler that decodes the arguments, calls the method
// and encodes its result.

#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lp/courier_methods.h"
#include "lp/serialize.h"
#include "src/courier/rpc/server.h"

namespace lp::internal {

// "arg 1" is the first argument: the path prefix of argument decoding errors.
inline std::string ArgumentPath(std::size_t index) { return absl::StrCat("arg ", index + 1); }

template <typename T, typename M>
CourierHandler MakeCourierHandler(T* object, const char* name, M pointer) {
  using Traits = MethodTraits<M>;
  using Args = typename Traits::DecodedArgs;
  static_assert(std::apply([](auto... arg) { return (Decodable<decltype(arg)> && ...); }, Args()),
                "LP_COURIER_METHODS: a parameter type of this method is not deserializable; "
                "see lp/serialize.h for the supported types");
  return [object, name, pointer](courier::CallArguments& call) -> absl::StatusOr<courier::SerializedObject> {
    if (call.args_size() != static_cast<int>(Traits::kArity)) {
      return absl::InvalidArgumentError(absl::StrCat("method '", name, "' takes ", Traits::kArity,
                                                     " argument(s), got ", call.args_size()));
    }
    Args args;
    absl::Status decoded = [&]<std::size_t... I>(std::index_sequence<I...>) {
      absl::Status status;
      // Stops at the first error; moves buffers (tensors, strings) out of the request.
      ((status = Decode(call.mutable_args(static_cast<int>(I)), &std::get<I>(args),
                        ArgumentPath(I)),
        status.ok()) &&
       ...);
      return status;
    }(std::make_index_sequence<Traits::kArity>());
    if (!decoded.ok()) return decoded;

    auto invoke = [&](auto&... values) -> decltype(auto) {
      return (object->*pointer)(std::move(values)...);
    };
    courier::SerializedObject result;
    if constexpr (std::is_void_v<typename Traits::Return>) {
      std::apply(invoke, args);
      Encode(std::monostate(), &result);
    } else {
      Encode(std::apply(invoke, args), &result);
    }
    return result;
  };
}

// Registers every method LP_COURIER_METHODS lists for T, bound to `object`.
template <typename T>
absl::Status RegisterCourierMethods(T* object, CourierServer& server) {
  static constexpr auto kTable = CourierMethodsOf<T>();
  absl::Status status;
  std::apply(
      [&](const auto&... entry) {
        ((status.ok() ? (void)(status = server.RegisterMethod(
                                   entry.name, MakeCourierHandler(object, entry.name,
                                                                  entry.pointer)))
                      : void()),
         ...);
      },
      kTable.entries);
  return status;
}

}  // namespace lp::internal

#endif  // LP_INTERNAL_COURIER_DISPATCH_H_
