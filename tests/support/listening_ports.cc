#include "tests/support/listening_ports.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace lp::testing {
namespace {

// The states of /proc/net/tcp's `st` column that matter here.
constexpr char kEstablished[] = "01";
constexpr char kListen[] = "0A";

struct TcpSocket {
  std::string state;
  int local_port = 0;
  int remote_port = 0;
};

int PortOf(const std::string& address) {  // hex address:hex port
  return std::stoi(address.substr(address.rfind(':') + 1), nullptr, 16);
}

std::vector<TcpSocket> TcpSocketsOf(pid_t pid) {
  const std::string proc = absl::StrCat("/proc/", pid);
  std::set<std::string> inodes;
  for (const auto& entry : std::filesystem::directory_iterator(proc + "/fd")) {
    std::error_code error;
    const std::string target = std::filesystem::read_symlink(entry.path(), error).string();
    if (!error && target.rfind("socket:[", 0) == 0) {
      inodes.insert(target.substr(8, target.size() - 9));  // socket:[<inode>]
    }
  }
  std::vector<TcpSocket> sockets;
  for (const char* table : {"/net/tcp", "/net/tcp6"}) {
    std::ifstream file(proc + table);
    std::string line;
    std::getline(file, line);  // the header
    while (std::getline(file, line)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
      std::vector<std::string> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (fields.size() < 10 || !inodes.contains(fields[9])) continue;
      sockets.push_back({fields[3], PortOf(fields[1]), PortOf(fields[2])});
    }
  }
  return sockets;
}

}  // namespace

std::set<int> ListeningTcpPorts(pid_t pid) {
  std::set<int> ports;
  for (const TcpSocket& socket : TcpSocketsOf(pid)) {
    if (socket.state == kListen) ports.insert(socket.local_port);
  }
  return ports;
}

std::multiset<int> ConnectedTcpRemotePorts(pid_t pid) {
  std::multiset<int> ports;
  for (const TcpSocket& socket : TcpSocketsOf(pid)) {
    if (socket.state == kEstablished) ports.insert(socket.remote_port);
  }
  return ports;
}

}  // namespace lp::testing
