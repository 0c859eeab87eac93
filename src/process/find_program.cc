#include "src/process/find_program.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace lp::internal {
namespace {

bool IsExecutableFile(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
         access(path.c_str(), X_OK) == 0;
}

}  // namespace

absl::StatusOr<std::string> FindProgram(absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("empty program name");
  if (name.find('/') != absl::string_view::npos) return std::string(name);
  const char* path_variable = std::getenv("PATH");
  // POSIX's default when PATH is unset.
  const std::string path = path_variable != nullptr ? path_variable : "/usr/bin:/bin";
  for (absl::string_view directory : absl::StrSplit(path, ':', absl::SkipEmpty())) {
    std::string candidate = absl::StrCat(directory, "/", name);
    if (IsExecutableFile(candidate)) return candidate;
  }
  return absl::NotFoundError(absl::StrCat("program '", name,
                                          "' is not installed (not found in PATH=", path,
                                          "); install it or fix PATH"));
}

}  // namespace lp::internal
