// ThreadCount: how many threads this process has now, for tests that bound them.
#ifndef LP_TESTS_SUPPORT_THREAD_COUNT_H_
#define LP_TESTS_SUPPORT_THREAD_COUNT_H_

#include <filesystem>
#include <fstream>
#include <set>
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

// The ids of this process's threads named `name` (their /proc comm, which Linux cuts to
// 15 characters).
inline std::set<std::string> ThreadsNamed(std::string_view name) {
  std::set<std::string> ids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(entry.path() / "comm");
    std::string thread_name;
    if (std::getline(comm, thread_name) && thread_name == name) {
      ids.insert(entry.path().filename().string());
    }
  }
  return ids;
}

// The calling thread's name (its /proc comm).
inline std::string ThisThreadsName() {
  std::ifstream comm("/proc/thread-self/comm");
  std::string thread_name;
  std::getline(comm, thread_name);
  return thread_name;
}

}  // namespace lp::testing

#endif  // LP_TESTS_SUPPORT_THREAD_COUNT_H_
