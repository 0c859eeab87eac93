#include "lp/launch_type.h"

#include <array>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace lp {
namespace {

constexpr std::array<std::pair<LaunchType, std::string_view>, 5> kNames = {{
    {LaunchType::kLocalMt, "local_mt"},
    {LaunchType::kLocalMp, "local_mp"},
    {LaunchType::kTestMt, "test_mt"},
    {LaunchType::kTestMp, "test_mp"},
    {LaunchType::kSlurm, "slurm"},
}};

}  // namespace

std::string_view LaunchTypeName(LaunchType type) {
  for (const auto& [value, name] : kNames) {
    if (value == type) return name;
  }
  return "unknown";
}

absl::StatusOr<LaunchType> ParseLaunchType(std::string_view name) {
  std::vector<std::string> valid;
  for (const auto& [value, known] : kNames) {
    if (known == name) return value;
    valid.emplace_back(known);
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown launch type '", std::string(name),
                                                 "'; valid launch types: ",
                                                 absl::StrJoin(valid, ", ")));
}

bool IsTestLaunchType(LaunchType type) {
  return type == LaunchType::kTestMt || type == LaunchType::kTestMp;
}

bool AbslParseFlag(absl::string_view text, LaunchType* type, std::string* error) {
  absl::StatusOr<LaunchType> parsed = ParseLaunchType(std::string_view(text.data(), text.size()));
  if (!parsed.ok()) {
    *error = std::string(parsed.status().message());
    return false;
  }
  *type = *parsed;
  return true;
}

std::string AbslUnparseFlag(LaunchType type) { return std::string(LaunchTypeName(type)); }

}  // namespace lp
