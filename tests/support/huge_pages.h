// Whether memory was advised onto transparent huge pages (MADV_HUGEPAGE), as the kernel
// shows it: the "hg" flag of the mapping that holds it, in /proc/self/smaps.
#ifndef LP_TESTS_SUPPORT_HUGE_PAGES_H_
#define LP_TESTS_SUPPORT_HUGE_PAGES_H_

#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace lp::testing {

// False on a kernel without transparent huge pages, where advice has no effect.
inline bool KernelHasHugePages() {
  struct stat info;
  return stat("/sys/kernel/mm/transparent_hugepage", &info) == 0;
}

// Whether the mapping that holds `address` was advised MADV_HUGEPAGE.
inline bool AdvisedHugePages(const void* address) {
  const auto where = reinterpret_cast<uintptr_t>(address);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    unsigned long long begin = 0, end = 0;
    // A mapping's first line is its address range; the lines after it are its fields.
    if (std::sscanf(line.c_str(), "%llx-%llx ", &begin, &end) == 2) {
      inside = begin <= where && where < end;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) {
      std::istringstream flags(line.substr(8));
      std::string flag;
      while (flags >> flag) {
        if (flag == "hg") return true;
      }
      return false;
    }
  }
  return false;
}

// The middle of a large tensor's bytes: inside the 2 MiB-aligned part that is advised.
inline const void* Middle(const std::string& bytes) { return bytes.data() + bytes.size() / 2; }

}  // namespace lp::testing

#endif  // LP_TESTS_SUPPORT_HUGE_PAGES_H_
