#include "lp/internal/outgoing_call.h"

#include <utility>

#include "absl/status/statusor.h"
#include "courier/courier.pb.h"
#include "lp/courier_channel.h"

namespace lp::internal {

OutgoingArguments::OutgoingArguments() : arguments_(new courier::CallArguments) {}
OutgoingArguments::~OutgoingArguments() { delete arguments_; }
OutgoingArguments::OutgoingArguments(OutgoingArguments&& other) noexcept
    : arguments_(std::exchange(other.arguments_, nullptr)) {}
OutgoingArguments& OutgoingArguments::operator=(OutgoingArguments&& other) noexcept {
  std::swap(arguments_, other.arguments_);
  return *this;
}

courier::SerializedObject* OutgoingArguments::Add() { return arguments_->add_args(); }

absl::Status CallAndWait(CourierChannel& channel, std::string_view method,
                         OutgoingArguments arguments, const CallOptions& options,
                         absl::FunctionRef<absl::Status(courier::SerializedObject*)> on_result) {
  // A move of a heap-allocated message into the by-value parameter: a swap, no copy.
  absl::StatusOr<courier::SerializedObject> reply =
      channel.Call(method, std::move(*arguments.get()), options);
  if (!reply.ok()) return reply.status();
  return on_result(&*reply);
}

WaitDriver* StartCall(CourierChannel& channel, std::string_view method,
                      OutgoingArguments arguments, const CallOptions& options,
                      ReplyCallback done) {
  return channel.StartCall(
      method, std::move(*arguments.get()), options,
      [done = std::move(done)](absl::StatusOr<courier::SerializedObject> reply) mutable {
        if (!reply.ok()) {
          std::move(done)(reply.status(), nullptr);
        } else {
          std::move(done)(absl::OkStatus(), &*reply);
        }
      });
}

}  // namespace lp::internal
