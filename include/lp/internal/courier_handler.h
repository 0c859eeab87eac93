// CourierHandler: what a server runs for one named Courier method.
#ifndef LP_INTERNAL_COURIER_HANDLER_H_
#define LP_INTERNAL_COURIER_HANDLER_H_

#include <functional>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "lp/internal/serialization/wire.h"

namespace lp {

// Takes the positional arguments of one call, writes its result into `*result` (an empty
// object the server owns) and returns OK, or returns an error.
//
// `args` is mutable on purpose: it belongs to this call alone and is discarded when the
// handler returns, so a handler may move large payloads (tensor bytes) out of it instead
// of copying them. Keyword arguments never reach a handler (the server rejects them).
// The result is written in place rather than returned so that this signature, which
// CourierNode's templates instantiate, needs no complete wire type (see wire.h).
//
// A returned error reaches the caller with its code, and its message prefixed by the
// method name. A thrown exception is caught and reported (see CourierServer).
// Handlers run on the server's threads, possibly many at once: they must be thread-safe.
using CourierHandler =
    std::function<absl::Status(courier::CallArguments& args, courier::SerializedObject* result)>;

// Ends one call of a DeferredCourierHandler: OK once its result is written, else the error
// the caller gets. Called once, from any thread.
using CallDone = absl::AnyInvocable<void(absl::Status) &&>;

// A handler that may end its call later, holding no thread meanwhile (a batched method's
// calls wait for their batch this way). It either takes the call — moves `done` out, returns
// OK, and later writes `*result` and calls done — or refuses it at once: returns an error
// (or throws) without touching `done`. `args` and `result` stay valid until done is called.
using DeferredCourierHandler = std::function<absl::Status(
    courier::CallArguments& args, courier::SerializedObject* result, CallDone& done)>;

// A CourierHandler from a function that returns its result,
// absl::StatusOr<courier::SerializedObject>(courier::CallArguments&): the form that reads
// best where the wire types are at hand (include "courier/courier.pb.h").
template <typename F>
CourierHandler ReturningHandler(F handler) {
  return [handler = std::move(handler)](courier::CallArguments& args,
                                        courier::SerializedObject* result) -> absl::Status {
    auto returned = handler(args);
    if (!returned.ok()) return returned.status();
    *result = *std::move(returned);
    return absl::OkStatus();
  };
}

}  // namespace lp

#endif  // LP_INTERNAL_COURIER_HANDLER_H_
