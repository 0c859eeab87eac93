// CourierHandler: what a server runs for one named Courier method.
#ifndef LP_INTERNAL_COURIER_HANDLER_H_
#define LP_INTERNAL_COURIER_HANDLER_H_

#include <functional>

#include "absl/status/statusor.h"
#include "courier/courier.pb.h"

namespace lp {

// Takes the positional arguments of one call and returns its result or an error.
//
// `args` is mutable on purpose: it belongs to this call alone and is discarded when the
// handler returns, so a handler may move large payloads (tensor bytes) out of it instead
// of copying them. Keyword arguments never reach a handler (the server rejects them).
//
// A returned error reaches the caller with its code, and its message prefixed by the
// method name. A thrown exception is caught and reported (see CourierServer).
// Handlers run on the server's threads, possibly many at once: they must be thread-safe.
using CourierHandler =
    std::function<absl::StatusOr<courier::SerializedObject>(courier::CallArguments& args)>;

}  // namespace lp

#endif  // LP_INTERNAL_COURIER_HANDLER_H_
