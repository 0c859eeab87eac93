#ifndef LP_TESTS_PROCESS_PROCESS_TEST_UTIL_H_
#define LP_TESTS_PROCESS_PROCESS_TEST_UTIL_H_

#include <poll.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace lp::testing {

// Reads `fd` until its content contains `text` (true), EOF or `timeout` (false).
inline bool ReadUntil(int fd, const std::string& text, absl::Duration timeout,
                      std::string& out) {
  const absl::Time deadline = absl::Now() + timeout;
  while (out.find(text) == std::string::npos) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    pollfd poll_fd{fd, POLLIN, 0};
    if (poll(&poll_fd, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1) <= 0) {
      continue;
    }
    char buffer[4096];
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n <= 0) return out.find(text) != std::string::npos;
    out.append(buffer, static_cast<size_t>(n));
  }
  return true;
}

// True while `pid` exists and is not a zombie.
inline bool IsAlive(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) return false;
  char buffer[512] = {};
  const size_t n = std::fread(buffer, 1, sizeof(buffer) - 1, file);
  std::fclose(file);
  const std::string stat(buffer, n);
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z' &&
         stat[paren + 2] != 'X';
}

// Polls /proc until `pid` is gone (true) or `timeout` passes (false): the process is not
// ours to wait for, so /proc is the only witness.
inline bool WaitUntilGone(pid_t pid, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (IsAlive(pid)) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

}  // namespace lp::testing

#endif  // LP_TESTS_PROCESS_PROCESS_TEST_UTIL_H_
