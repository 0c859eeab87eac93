#ifndef LP_TESTS_SUPPORT_TEMP_DIR_H_
#define LP_TESTS_SUPPORT_TEMP_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace lp::testing {

// A fresh directory under /tmp, removed with everything in it when this goes out of scope.
// path() is empty if it could not be made.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "lp-test") {
    std::string pattern = "/tmp/" + prefix + "-XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace lp::testing

#endif  // LP_TESTS_SUPPORT_TEMP_DIR_H_
