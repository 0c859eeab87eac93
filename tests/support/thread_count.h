// ThreadCount: how many threads this process has now, for tests that bound them.
#ifndef LP_TESTS_SUPPORT_THREAD_COUNT_H_
#define LP_TESTS_SUPPORT_THREAD_COUNT_H_

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace lp::testing {

// The entries of /proc/self/task: one per thread of this process.
inline int ThreadCount() {
  int count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
    ++count;
  }
  return count;
}

// How many threads of this process are named `name` (their /proc comm, which Linux cuts to
// 15 characters).
inline int ThreadCountNamed(std::string_view name) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(entry.path() / "comm");
    std::string thread_name;
    if (std::getline(comm, thread_name) && thread_name == name) ++count;
  }
  return count;
}

}  // namespace lp::testing

#endif  // LP_TESTS_SUPPORT_THREAD_COUNT_H_
