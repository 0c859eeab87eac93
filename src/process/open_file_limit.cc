#include "src/process/open_file_limit.h"

#include <dirent.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace lp::internal {
namespace {

std::string LimitText(rlim_t limit) {
  return limit == RLIM_INFINITY ? "unlimited" : absl::StrCat(limit);
}

}  // namespace

void RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  (void)setrlimit(RLIMIT_NOFILE, &limit);
}

std::string DescribeOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return "the limit of open files is unknown";
  return absl::StrCat("the limit of open files is ", LimitText(limit.rlim_cur), " (soft) / ",
                      LimitText(limit.rlim_max), " (hard)");
}

int OpenDescriptorCount() {
  DIR* fds = opendir("/proc/self/fd");
  if (fds == nullptr) return -1;
  int count = 0;
  while (const dirent* entry = readdir(fds)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(fds);
  return count - 1;  // the directory being read
}

absl::Status CheckOpenFileHeadroom(int more, absl::string_view what) {
  rlimit limit{};
  const int open = OpenDescriptorCount();
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || open < 0 || limit.rlim_cur == RLIM_INFINITY) {
    return absl::OkStatus();  // cannot tell: let the launch find out
  }
  const rlim_t needed = static_cast<rlim_t>(open) + static_cast<rlim_t>(more);
  if (needed <= limit.rlim_cur) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      what, " needs about ", more, " more open files, but ", DescribeOpenFileLimit(),
      " and ", open, " are open; raise the hard limit to at least ", needed, " (`ulimit -Hn ",
      needed, "` as root, or in /etc/security/limits.conf) and start the program again: "
      "it raises its soft limit to the hard one by itself"));
}

bool IsOutOfDescriptors(int error_number) {
  return error_number == EMFILE || error_number == ENFILE;
}

absl::Status OutOfDescriptorsError(absl::string_view what, int error_number) {
  if (error_number == ENFILE) {
    return absl::ResourceExhaustedError(absl::StrCat(
        what, ": ", std::strerror(error_number),
        ": the system's table of open files is full; close other programs or raise "
        "fs.file-max (sysctl)"));
  }
  return absl::ResourceExhaustedError(absl::StrCat(
      what, ": ", std::strerror(error_number), ": ", DescribeOpenFileLimit(),
      " (a process launch needs a few per node); raise the hard limit (`ulimit -Hn`, as "
      "root, or in /etc/security/limits.conf) and start the program again: it raises its "
      "soft limit to the hard one by itself"));
}

}  // namespace lp::internal
