// ThreadCount: how many threads this process has now, for tests that bound them.
#ifndef LP_TESTS_SUPPORT_THREAD_COUNT_H_
#define LP_TESTS_SUPPORT_THREAD_COUNT_H_

#include <filesystem>

namespace lp::testing {

// The entries of /proc/self/task: one per thread of this process.
inline int ThreadCount() {
  int count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
    ++count;
  }
  return count;
}

}  // namespace lp::testing

#endif  // LP_TESTS_SUPPORT_THREAD_COUNT_H_
