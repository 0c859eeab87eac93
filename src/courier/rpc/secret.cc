#include "src/courier/rpc/secret.h"

#include <cstddef>

#include "absl/strings/str_cat.h"

namespace lp::rpc {

bool SecretsEqual(std::string_view presented, std::string_view expected) {
  // Walk the whole expected secret whatever `presented` holds; fold every difference,
  // including a length difference, into one accumulator that is tested only at the end.
  unsigned char diff = presented.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i) {
    const unsigned char p = i < presented.size() ? static_cast<unsigned char>(presented[i]) : 0;
    diff |= p ^ static_cast<unsigned char>(expected[i]);
  }
  // Keep the compiler from turning the loop into an early-exit comparison.
  volatile unsigned char result = diff;
  return result == 0;
}

absl::Status CheckSecret(absl::string_view secret, absl::string_view origin) {
  constexpr size_t kMinLength = 16;
  constexpr size_t kMaxLength = 1024;
  if (secret.size() < kMinLength || secret.size() > kMaxLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the Courier secret in ", origin, " has ", secret.size(), " characters; it needs ",
        kMinLength, " to ", kMaxLength, " (e.g. 64 hex digits: `openssl rand -hex 32`)"));
  }
  for (size_t i = 0; i < secret.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(secret[i]);
    if (c <= ' ' || c > '~') {
      return absl::InvalidArgumentError(
          absl::StrCat("the Courier secret in ", origin,
                       " has a character that cannot travel in gRPC "
                       "metadata at position ",
                       i, " (byte ", static_cast<int>(c),
                       "); use printable ASCII without spaces, e.g. hex digits"));
    }
  }
  return absl::OkStatus();
}

}  // namespace lp::rpc
