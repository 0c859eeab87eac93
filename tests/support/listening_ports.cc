#include "tests/support/listening_ports.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace lp::testing {

std::set<int> ListeningTcpPorts(pid_t pid) {
  const std::string proc = absl::StrCat("/proc/", pid);
  std::set<std::string> inodes;
  for (const auto& entry : std::filesystem::directory_iterator(proc + "/fd")) {
    std::error_code error;
    const std::string target = std::filesystem::read_symlink(entry.path(), error).string();
    if (!error && target.rfind("socket:[", 0) == 0) {
      inodes.insert(target.substr(8, target.size() - 9));  // socket:[<inode>]
    }
  }
  std::set<int> ports;
  for (const char* table : {"/net/tcp", "/net/tcp6"}) {
    std::ifstream file(proc + table);
    std::string line;
    std::getline(file, line);  // the header
    while (std::getline(file, line)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
      std::vector<std::string> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
      constexpr const char* kListen = "0A";
      if (fields.size() < 10 || fields[3] != kListen || !inodes.contains(fields[9])) continue;
      const std::string& local = fields[1];  // hex address:hex port
      ports.insert(std::stoi(local.substr(local.rfind(':') + 1), nullptr, 16));
    }
  }
  return ports;
}

}  // namespace lp::testing
