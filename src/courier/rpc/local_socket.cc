#include "src/courier/rpc/local_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grpcpp/server.h>
#include <grpcpp/server_posix.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "src/net/host_port.h"
#include "src/net/local_address.h"
#include "src/process/unique_fd.h"

namespace lp::rpc {
namespace {

using internal::UniqueFd;

// The address of abstract socket `name`, and its length (the name is not NUL-terminated).
socklen_t AbstractAddress(const std::string& name, sockaddr_un& address) {
  address = {};
  address.sun_family = AF_UNIX;
  const size_t length = std::min(name.size(), sizeof(address.sun_path) - 1);
  std::memcpy(address.sun_path + 1, name.data(), length);  // sun_path[0] stays '\0'
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + length);
}

// Whether a socket of this network namespace listens on abstract name `name` now. A
// connection tells, where binding the name would not: a name held by a socket that does
// not listen, or for an instant by another client binding it, is no server. The server's
// acceptor finds the connection closed and drops it.
bool Listening(const std::string& name) {
  UniqueFd probe(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!probe.valid()) return false;
  sockaddr_un address;
  const socklen_t length = AbstractAddress(name, address);
  // EAGAIN: its backlog is full, a busy listener.
  return connect(probe.get(), reinterpret_cast<const sockaddr*>(&address), length) == 0 ||
         errno == EAGAIN;
}

// Both below call the kernel directly. A connection handed to gRPC is closed by gRPC, where
// ThreadSanitizer does not look (tests/tsan_suppressions.txt, called_from_lib); had it seen
// this thread create or read the descriptor, it would take the next use of that number, by
// any thread, for a race with this one. gRPC's own calls on it go unseen the same way.

// A connection waiting on listening socket `fd`, non-blocking as gRPC expects of the
// descriptors it polls; -1 with errno set if there is none or accept fails.
int Accept(int fd) {
  return static_cast<int>(
      syscall(SYS_accept4, fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
}

// Whether the peer of `connection` has closed it without sending anything.
bool ClosedByPeer(int connection) {
  char first = 0;
  return syscall(SYS_recvfrom, connection, &first, 1, MSG_PEEK | MSG_DONTWAIT, nullptr,
                 nullptr) == 0;
}

// The one thread of the process that accepts connections on every local socket and hands
// them to their servers.
//
// Thread safety: Add() and Remove() from any thread.
class Acceptor {
 public:
  static Acceptor& Get() {
    static Acceptor* const acceptor = new Acceptor();  // never destroyed: its thread runs on
    return *acceptor;
  }

  absl::Status Add(int fd, grpc::Server* server) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!epoll_.valid()) {
      epoll_.Reset(epoll_create1(EPOLL_CLOEXEC));
      if (!epoll_.valid()) {
        return absl::InternalError(absl::StrCat("epoll_create1: ", std::strerror(errno)));
      }
      std::thread([this] { Run(); }).detach();
    }
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = fd;
    if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) != 0) {
      return absl::InternalError(absl::StrCat("epoll_ctl: ", std::strerror(errno)));
    }
    servers_[fd] = server;
    return absl::OkStatus();
  }

  // After it returns, nothing more is handed to the server listening on `fd`: the thread
  // hands connections over under mu_, and finds `fd` gone.
  void Remove(int fd) {
    std::lock_guard<std::mutex> lock(mu_);
    epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
    servers_.erase(fd);
  }

 private:
  Acceptor() = default;

  void Run() {
    for (;;) {
      epoll_event events[16];
      const int ready = epoll_wait(epoll_.get(), events, 16, -1);
      if (ready < 0 && errno == EINTR) continue;
      if (ready < 0) {
        std::fprintf(stderr, "lp: local sockets: epoll_wait: %s\n", std::strerror(errno));
        return;
      }
      bool out_of_descriptors = false;
      for (int i = 0; i < ready; ++i) out_of_descriptors |= AcceptAll(events[i].data.fd);
      // The connections wait in the backlog until descriptors are free again; level
      // triggered, epoll would report them at once.
      if (out_of_descriptors) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // Hands every pending connection on `fd` to its server. True if the process ran out of
  // descriptors.
  bool AcceptAll(int fd) {
    std::lock_guard<std::mutex> lock(mu_);
    auto server = servers_.find(fd);
    if (server == servers_.end()) return false;  // removed since epoll_wait returned
    for (;;) {
      const int connection = Accept(fd);
      if (connection >= 0) {
        // Closed already: a client that only looked for the socket (Listening). gRPC need
        // not set up a connection to see that.
        if (ClosedByPeer(connection)) {
          close(connection);
          continue;
        }
        grpc::AddInsecureChannelFromFd(server->second, connection);
        continue;
      }
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM;
    }
  }

  std::mutex mu_;
  UniqueFd epoll_;  // guarded by mu_ until set (with the thread's start), then constant
  absl::flat_hash_map<int, grpc::Server*> servers_;  // guarded by mu_: by listening socket
};

}  // namespace

bool LocalSocketsEnabled() {
  const char* value = std::getenv("LP_LOCAL_SOCKETS");
  return value == nullptr || std::string_view(value) != "0";
}

std::optional<std::string> LocalSocketName(std::string_view host, int port) {
  const std::string canonical = internal::CanonicalHost(host);
  if (!internal::IsNumericAddress(canonical) || port <= 0) return std::nullopt;
  return absl::StrCat("lp-courier/", canonical, "/", port);
}

std::optional<std::string> LocalSocketTarget(std::string_view target) {
  absl::StatusOr<std::pair<std::string, int>> split = internal::SplitHostPort(target);
  if (!split.ok()) return std::nullopt;
  const auto& [host, port] = *split;
  for (const std::string& bound :
       internal::BindHostsReachedBy(internal::CanonicalHost(host))) {
    std::optional<std::string> name = LocalSocketName(bound, port);
    if (name.has_value() && Listening(*name)) return absl::StrCat("unix-abstract:", *name);
  }
  return std::nullopt;
}

absl::StatusOr<std::unique_ptr<LocalSocketListener>> LocalSocketListener::Listen(
    std::string_view bind_address, int port, grpc::Server* server) {
  absl::StatusOr<std::pair<std::string, int>> split = internal::SplitHostPort(bind_address);
  std::optional<std::string> name =
      split.ok() ? LocalSocketName(split->first, port) : std::nullopt;
  if (!name.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no local socket for '", std::string(bind_address), "': not a numeric address"));
  }
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  sockaddr_un address;
  const socklen_t length = AbstractAddress(*name, address);
  if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), length) != 0 ||
      listen(fd.get(), SOMAXCONN) != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on local socket '@", *name, "': ", std::strerror(errno)));
  }
  if (absl::Status added = Acceptor::Get().Add(fd.get(), server); !added.ok()) return added;
  return std::unique_ptr<LocalSocketListener>(new LocalSocketListener(fd.Release()));
}

LocalSocketListener::~LocalSocketListener() {
  Acceptor::Get().Remove(fd_);
  close(fd_);
}

}  // namespace lp::rpc
