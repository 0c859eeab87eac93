#ifndef LP_TESTS_SUPPORT_OUTSIDE_CLIENT_H_
#define LP_TESTS_SUPPORT_OUTSIDE_CLIENT_H_

// A Courier client that is not a node of the program: what a debugging tool or another
// language's script does, a plain channel to a printed address, sending the secret it was
// given (or none). Needs lp_rpc.

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "courier/courier.pb.h"
#include "lp/courier_channel.h"

namespace lp::testing {

// Calls `method` with one bytes argument `text` on the Courier server at `address`,
// sending `secret` in metadata 'lp-secret' (none when empty), over `transport` (the
// launch's TLS; plain TCP when null). Returns the bytes result.
inline absl::StatusOr<std::string> CallFromOutside(
    const std::string& address, const std::string& secret, const std::string& method,
    const std::string& text, absl::Duration timeout,
    std::shared_ptr<const rpc::TransportSecurity> transport = nullptr) {
  CourierChannelOptions options;
  options.secret = secret;
  options.transport = std::move(transport);
  std::shared_ptr<CourierChannel> channel = CourierChannel::Create(address, std::move(options));
  courier::CallArguments args;
  args.add_args()->set_string_value(text);
  absl::StatusOr<courier::SerializedObject> result =
      channel->Call(method, std::move(args), CallOptions::WithTimeout(timeout));
  if (!result.ok()) return result.status();
  return result->string_value();
}

}  // namespace lp::testing

#endif  // LP_TESTS_SUPPORT_OUTSIDE_CLIENT_H_
