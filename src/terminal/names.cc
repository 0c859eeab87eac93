#include "src/terminal/names.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace lp::internal {

std::string SanitizeName(absl::string_view name) {
  std::string result(name);
  for (char& c : result) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') c = '_';
  }
  return result.empty() ? "lp" : result;
}

std::string NodeFileStem(absl::string_view node_key) {
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(node_key, '/')) {
    parts.push_back(SanitizeName(part));
  }
  return absl::StrJoin(parts, ".");
}

}  // namespace lp::internal
