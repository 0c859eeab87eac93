#include "src/courier/rpc/same_host.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace lp::rpc {
namespace {

std::string ReadFirstLine(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// The target of a /proc/self/ns link, "pid:[4026531836]"; "" if unreadable.
std::string NamespaceOf(const char* link) {
  char target[128];
  const ssize_t length = readlink(link, target, sizeof(target));
  if (length <= 0 || length == static_cast<ssize_t>(sizeof(target))) return "";
  return std::string(target, static_cast<size_t>(length));
}

std::string ComputeIdentity() {
  const std::string boot = ReadFirstLine("/proc/sys/kernel/random/boot_id");
  const std::string pids = NamespaceOf("/proc/self/ns/pid");
  const std::string network = NamespaceOf("/proc/self/ns/net");
  if (boot.empty() || pids.empty() || network.empty()) return "";
  return absl::StrCat(boot, "/", pids, "/", network, "/", geteuid());
}

}  // namespace

bool SameHostTensorsEnabled() {
  static const bool enabled = [] {
    const char* value = std::getenv("LP_SAME_HOST_TENSORS");
    return value == nullptr || std::string(value) != "0";
  }();
  return enabled;
}

const std::string& SameHostIdentity() {
  static const std::string* const identity = new std::string(ComputeIdentity());
  return *identity;
}

std::string SameHostOffer() {
  // getpid() each time: a process forked from this one is another peer.
  return SameHostIdentity().empty() ? "" : absl::StrCat(SameHostIdentity(), ";", getpid());
}

bool AcceptSameHostOffer(std::string_view offer) {
  if (!SameHostTensorsEnabled() || SameHostIdentity().empty()) return false;
  const size_t separator = offer.rfind(';');
  if (separator == std::string_view::npos) return false;
  if (offer.substr(0, separator) != SameHostIdentity()) return false;
  int pid = 0;
  if (!absl::SimpleAtoi(absl::string_view(offer.data() + separator + 1,
                                          offer.size() - separator - 1),
                        &pid) ||
      pid <= 0) {
    return false;
  }
  // The server will open our /proc/<pid>/fd entries; the kernel allows that to a process
  // of the same user that it would let read its memory (ptrace's read mode), which is
  // symmetric between two such processes: try it the other way round.
  DIR* fds = opendir(absl::StrCat("/proc/", pid, "/fd").c_str());
  if (fds == nullptr) return false;
  closedir(fds);
  return true;
}

size_t SharedTensorBytes(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kSharedTensorBytesMetadataKey);
  size_t bytes = 0;
  if (it == metadata.end() ||
      !absl::SimpleAtoi(absl::string_view(it->second.data(), it->second.size()), &bytes)) {
    return 0;
  }
  return std::min<size_t>(bytes, size_t{1} << 40);  // a caller's number: no overflow
}

}  // namespace lp::rpc
