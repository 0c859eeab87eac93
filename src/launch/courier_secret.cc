#include "src/launch/courier_secret.h"

#include <cstdlib>

#include "src/coordinator/token.h"
#include "src/core/worker_environment.h"
#include "src/courier/rpc/secret.h"

namespace lp::internal {

absl::StatusOr<std::string> NewLaunchCourierSecret() {
  const char* chosen = std::getenv(kCourierSecretEnv);
  if (chosen == nullptr || *chosen == '\0') return MakeToken();
  if (absl::Status valid = rpc::CheckSecret(chosen, kCourierSecretEnv); !valid.ok()) {
    return valid;
  }
  return std::string(chosen);
}

}  // namespace lp::internal
