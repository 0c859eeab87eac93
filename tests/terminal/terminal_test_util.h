#ifndef LP_TESTS_TERMINAL_TERMINAL_TEST_UTIL_H_
#define LP_TESTS_TERMINAL_TERMINAL_TEST_UTIL_H_

#include <fstream>
#include <sstream>
#include <string>

#include "src/process/spawn.h"

namespace lp::testing {

inline std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

inline internal::SpawnSpec Shell(const std::string& script) {
  internal::SpawnSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  return spec;
}

}  // namespace lp::testing

#endif  // LP_TESTS_TERMINAL_TERMINAL_TEST_UTIL_H_
