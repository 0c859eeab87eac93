#ifndef LP_SRC_COORDINATOR_TOKEN_H_
#define LP_SRC_COORDINATOR_TOKEN_H_

// The per-launch secret that guards the coordinator. The coordinator listens on TCP, often
// on every interface (Slurm), so anyone who can reach the port could otherwise stop the
// program or redirect its nodes' addresses. The launcher makes a fresh token for every
// launch and hands it only to its own workers (see env.h).

#include <string>

#include "absl/status/statusor.h"

namespace lp::internal {

// The gRPC metadata key that carries the token on every coordinator call.
inline constexpr char kTokenMetadataKey[] = "lp-token";

// A fresh random token: 256 bits from the kernel's random source, as 64 hex digits. Also
// what a launch's Courier secret is made of (src/launch/courier_secret.h).
absl::StatusOr<std::string> MakeToken();

}  // namespace lp::internal

#endif  // LP_SRC_COORDINATOR_TOKEN_H_
