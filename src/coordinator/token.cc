#include "src/coordinator/token.h"

#include <array>
#include <cstdint>
#include <fstream>
#include <random>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"

namespace lp::internal {

absl::StatusOr<std::string> MakeToken() {
  std::array<char, 32> bytes{};
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  if (!urandom.read(bytes.data(), bytes.size())) {
    // No /dev/urandom (a chroot, an odd container): std::random_device is the kernel's
    // generator too on every libstdc++ platform we support, through another door.
    try {
      std::random_device device;
      for (size_t i = 0; i < bytes.size(); i += 4) {
        const uint32_t word = device();
        for (size_t j = 0; j < 4; ++j) bytes[i + j] = static_cast<char>(word >> (8 * j));
      }
    } catch (const std::exception& e) {
      return absl::UnavailableError(
          std::string("cannot make a coordinator token: no random source: ") + e.what());
    }
  }
  return absl::BytesToHexString(absl::string_view(bytes.data(), bytes.size()));
}

bool TokensEqual(std::string_view presented, std::string_view expected) {
  // Walk the whole expected token whatever `presented` holds; fold every difference,
  // including a length difference, into one accumulator that is tested only at the end.
  unsigned char diff = presented.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i) {
    const unsigned char p =
        i < presented.size() ? static_cast<unsigned char>(presented[i]) : 0;
    diff |= p ^ static_cast<unsigned char>(expected[i]);
  }
  // Keep the compiler from turning the loop into an early-exit comparison.
  volatile unsigned char result = diff;
  return result == 0;
}

}  // namespace lp::internal
