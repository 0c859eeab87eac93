#ifndef LP_TESTS_LAUNCH_LAUNCH_TEST_UTIL_H_
#define LP_TESTS_LAUNCH_LAUNCH_TEST_UTIL_H_

// Helpers for the process-launch tests: worker pids read from the nodes' own output, and
// /proc checks with deadlines.

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace lp::testing {

inline constexpr absl::Duration kGenerous = absl::Seconds(60);

inline int ExitCodeOf(const std::optional<int>& status) {
  if (!status.has_value()) return -1000;
  if (WIFSIGNALED(*status)) return -WTERMSIG(*status);
  return WEXITSTATUS(*status);
}

// Every "pid <group/index> <pid>" line in `output`, by node.
inline std::map<std::string, pid_t> NodePids(const std::string& output) {
  static const std::regex kLine(R"(pid (\S+/[0-9]+) ([0-9]+))");
  std::map<std::string, pid_t> pids;
  for (auto it = std::sregex_iterator(output.begin(), output.end(), kLine);
       it != std::sregex_iterator(); ++it) {
    int pid = 0;
    if (absl::SimpleAtoi((*it)[2].str(), &pid)) pids[(*it)[1].str()] = pid;
  }
  return pids;
}

// The first number after `prefix` in `output`, or -1.
inline pid_t NumberAfter(const std::string& output, const std::string& prefix) {
  const size_t at = output.find(prefix);
  if (at == std::string::npos) return -1;
  size_t end = at + prefix.size();
  while (end < output.size() && isdigit(static_cast<unsigned char>(output[end]))) ++end;
  int value = -1;
  if (!absl::SimpleAtoi(output.substr(at + prefix.size(), end - at - prefix.size()), &value)) {
    return -1;
  }
  return value;
}

// The state letter of /proc/<pid>/stat, or nullopt when there is no such process.
inline std::optional<char> ProcessState(pid_t pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string content;
  if (!std::getline(stat, content)) return std::nullopt;
  const size_t paren = content.rfind(')');
  if (paren == std::string::npos || paren + 2 >= content.size()) return std::nullopt;
  return content[paren + 2];
}

// Field `index` (counted from 1, as in proc(5)) of /proc/<pid>/stat as a number; -1 when
// there is no such process.
inline long StatField(pid_t pid, int index) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string content;
  if (!std::getline(stat, content)) return -1;
  const size_t paren = content.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream fields(content.substr(paren + 2));  // from field 3, the state
  std::string field;
  for (int i = 3; i <= index && fields >> field; ++i) {
    if (i == index) return std::strtol(field.c_str(), nullptr, 10);
  }
  return -1;
}

inline pid_t ParentOf(pid_t pid) { return static_cast<pid_t>(StatField(pid, 4)); }
inline long ThreadsOf(pid_t pid) { return StatField(pid, 20); }

// Gone: no such process, or a zombie (dead, waiting to be reaped by whoever adopted it).
inline bool IsGone(pid_t pid) {
  const std::optional<char> state = ProcessState(pid);
  return !state.has_value() || *state == 'Z' || *state == 'X';
}

// Polls /proc until every pid is gone. The pids still alive at the deadline.
inline std::vector<pid_t> WaitUntilGone(const std::vector<pid_t>& pids, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    std::vector<pid_t> alive;
    for (pid_t pid : pids) {
      if (!IsGone(pid)) alive.push_back(pid);
    }
    if (alive.empty() || absl::Now() >= deadline) return alive;
    absl::SleepFor(absl::Milliseconds(20));
  }
}

// The command line of `pid`, arguments joined by spaces; empty when it is gone.
inline std::string CommandLineOf(pid_t pid) {
  std::ifstream file(absl::StrCat("/proc/", pid, "/cmdline"), std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  for (char& c : raw) {
    if (c == '\0') c = ' ';
  }
  return raw;
}

// Processes a test learned about (workers, their children): whatever is still alive when
// the test ends is killed, so that a failing test leaves nothing behind. Only processes
// whose command line still contains `expected` are signalled (the pid may have been
// reused).
class ProcessJanitor {
 public:
  ~ProcessJanitor() {
    for (const auto& [pid, expected] : pids_) {
      if (!IsGone(pid) && CommandLineOf(pid).find(expected) != std::string::npos) {
        kill(pid, SIGKILL);
      }
    }
  }
  void Watch(pid_t pid, std::string expected) {
    if (pid > 0) pids_.emplace_back(pid, std::move(expected));
  }

 private:
  std::vector<std::pair<pid_t, std::string>> pids_;
};

}  // namespace lp::testing

#endif  // LP_TESTS_LAUNCH_LAUNCH_TEST_UTIL_H_
