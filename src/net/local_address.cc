#include "src/net/local_address.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "src/net/host_port.h"

namespace lp::internal {
namespace {

// Closes a file descriptor when the scope ends.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// The IP address in `address` (AF_INET or AF_INET6) as text; empty if inet_ntop fails.
std::string AddressText(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = {};
  const void* ip = address->sa_family == AF_INET6
                       ? static_cast<const void*>(
                             &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr)
                       : static_cast<const void*>(
                             &reinterpret_cast<const sockaddr_in*>(address)->sin_addr);
  return ::inet_ntop(address->sa_family, ip, text, sizeof(text)) != nullptr ? text : "";
}

}  // namespace

absl::StatusOr<std::string> LocalAddressTowards(const std::string& host) {
  const std::string bare = StripBrackets(host);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  // Any port will do: a UDP connect only picks a route.
  if (int rc = ::getaddrinfo(bare.c_str(), "9", &hints, &found); rc != 0) {
    return absl::NotFoundError(
        absl::StrCat("cannot resolve host '", bare, "': ", ::gai_strerror(rc)));
  }
  std::string last_error = "no address";
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    ScopedFd fd(::socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0 || ::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0) {
      last_error = std::strerror(errno);
      continue;
    }
    sockaddr_storage local{};
    socklen_t length = sizeof(local);
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &length) != 0) {
      last_error = std::strerror(errno);
      continue;
    }
    std::string text = AddressText(reinterpret_cast<const sockaddr*>(&local));
    if (text.empty()) {
      last_error = std::strerror(errno);
      continue;
    }
    ::freeaddrinfo(found);
    return text;
  }
  ::freeaddrinfo(found);
  return absl::UnavailableError(
      absl::StrCat("no local address routes to host '", bare, "': ", last_error));
}

bool IsLoopbackAddress(const std::string& host) {
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

bool IsLocalAddress(const std::string& host) {
  // 127.0.0.0/8 and ::1 are this machine's whether an interface lists them or not.
  if (IsLoopbackAddress(host)) return true;
  in_addr v4{};
  in6_addr v6{};
  const bool is_v4 = inet_pton(AF_INET, host.c_str(), &v4) == 1;
  const bool is_v6 = !is_v4 && inet_pton(AF_INET6, host.c_str(), &v6) == 1;
  if (!is_v4 && !is_v6) return false;
  ifaddrs* interfaces = nullptr;
  if (getifaddrs(&interfaces) != 0) return false;
  bool local = false;
  for (const ifaddrs* at = interfaces; at != nullptr && !local; at = at->ifa_next) {
    if (at->ifa_addr == nullptr) continue;
    if (is_v4 && at->ifa_addr->sa_family == AF_INET) {
      const auto* address = reinterpret_cast<const sockaddr_in*>(at->ifa_addr);
      local = address->sin_addr.s_addr == v4.s_addr;
    } else if (is_v6 && at->ifa_addr->sa_family == AF_INET6) {
      const auto* address = reinterpret_cast<const sockaddr_in6*>(at->ifa_addr);
      local = std::memcmp(&address->sin6_addr, &v6, sizeof(v6)) == 0;
    }
  }
  freeifaddrs(interfaces);
  return local;
}

std::string CanonicalHost(std::string_view host) {
  const std::string bare = StripBrackets(std::string(host));
  if (bare.empty()) return "::";
  char canonical[INET6_ADDRSTRLEN] = {};
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, bare.c_str(), &v4) == 1) {
    return inet_ntop(AF_INET, &v4, canonical, sizeof(canonical));
  }
  if (inet_pton(AF_INET6, bare.c_str(), &v6) == 1) {
    return inet_ntop(AF_INET6, &v6, canonical, sizeof(canonical));
  }
  return bare;
}

bool IsNumericAddress(const std::string& host) {
  in_addr v4{};
  in6_addr v6{};
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 ||
         inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

std::vector<std::string> LocalhostAddresses() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo("localhost", nullptr, &hints, &found) != 0) return {};
  std::vector<std::string> addresses;
  for (const addrinfo* at = found; at != nullptr; at = at->ai_next) {
    std::string text = AddressText(at->ai_addr);
    if (!text.empty() && std::find(addresses.begin(), addresses.end(), text) == addresses.end()) {
      addresses.push_back(std::move(text));
    }
  }
  ::freeaddrinfo(found);
  return addresses;
}

std::vector<std::string> BindHostsReachedBy(const std::string& host) {
  std::vector<std::string> hosts = {host};
  // The addresses the connection goes to.
  std::vector<std::string> addresses = {host};
  if (host == "localhost") {
    addresses = LocalhostAddresses();
    hosts.insert(hosts.end(), addresses.begin(), addresses.end());
  } else if (IsLoopbackAddress(host)) {
    const std::vector<std::string> localhost = LocalhostAddresses();
    if (std::find(localhost.begin(), localhost.end(), host) != localhost.end()) {
      hosts.push_back("localhost");
    }
  }
  if (std::any_of(addresses.begin(), addresses.end(), IsLocalAddress)) {
    hosts.push_back("0.0.0.0");
    hosts.push_back("::");
  }
  return hosts;
}

std::string LocalHostName() {
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0) return "unknown-host";
  return name;
}

}  // namespace lp::internal
