// The calls CourierClient's templates make, through functions that hide the wire types'
// definitions (see lp/internal/serialization/wire.h): the arguments are built in an
// OutgoingArguments, and the reply is handed to the caller by pointer.
#ifndef LP_INTERNAL_OUTGOING_CALL_H_
#define LP_INTERNAL_OUTGOING_CALL_H_

#include <string_view>

#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "lp/call_options.h"
#include "lp/internal/serialization/wire.h"
#include "lp/internal/wait_driver.h"

namespace lp {
class CourierChannel;
}  // namespace lp

namespace lp::internal {

// The positional arguments of one call being built, on the heap so that their type may
// stay incomplete here.
//
// Thread safety: none; one owner at a time.
class OutgoingArguments {
 public:
  OutgoingArguments();
  ~OutgoingArguments();
  OutgoingArguments(OutgoingArguments&& other) noexcept;
  OutgoingArguments& operator=(OutgoingArguments&& other) noexcept;

  // A new, empty argument at the end, to encode into.
  courier::SerializedObject* Add();
  // The arguments, for the channel (null once moved from).
  courier::CallArguments* get() const { return arguments_; }

 private:
  courier::CallArguments* arguments_;  // owned
};

// Receives a call's outcome: OK with the result (valid during the call only; it may be
// moved from), or the error with a null result.
using ReplyCallback = absl::AnyInvocable<void(absl::Status, courier::SerializedObject*) &&>;

// CourierChannel::Call: blocks, then hands the result to `on_result`, whose status is the
// call's. The status of a failed call otherwise.
absl::Status CallAndWait(CourierChannel& channel, std::string_view method,
                         OutgoingArguments arguments, const CallOptions& options,
                         absl::FunctionRef<absl::Status(courier::SerializedObject*)> on_result);

// CourierChannel::CallAsync: `done` runs exactly once, as CallAsync's callback does.
// Returns what a thread that waits for the result works with meanwhile (see
// Promise::SetWaitDriver), or null.
WaitDriver* StartCall(CourierChannel& channel, std::string_view method, OutgoingArguments arguments,
               const CallOptions& options, ReplyCallback done);

}  // namespace lp::internal

#endif  // LP_INTERNAL_OUTGOING_CALL_H_
