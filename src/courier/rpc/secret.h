// The launch's secret on Courier calls: the metadata key that carries it and the
// comparison that checks it. A launch makes one secret (see docs/courier.md, "Limits and
// security"); its clients send it with every call and its servers refuse calls without it.
#ifndef LP_SRC_COURIER_RPC_SECRET_H_
#define LP_SRC_COURIER_RPC_SECRET_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace lp::rpc {

// The gRPC metadata key that carries the secret on every Courier call.
inline constexpr char kSecretMetadataKey[] = "lp-secret";

// Whether `presented` equals `expected`, in time that depends only on the length of
// `expected`, so that a caller cannot learn a secret byte by byte from response times.
bool SecretsEqual(std::string_view presented, std::string_view expected);

// OK when `secret` can travel as a gRPC metadata value and is long enough to guess at
// no better than chance: 16 to 1024 printable ASCII characters, no spaces. Otherwise
// INVALID_ARGUMENT saying what is wrong with it (never echoing it); `origin` names where
// it came from ("LP_COURIER_SECRET").
absl::Status CheckSecret(absl::string_view secret, absl::string_view origin);

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_SECRET_H_
