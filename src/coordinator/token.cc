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
          std::string("cannot make a launch secret: no random source: ") + e.what());
    }
  }
  return absl::BytesToHexString(absl::string_view(bytes.data(), bytes.size()));
}

}  // namespace lp::internal
