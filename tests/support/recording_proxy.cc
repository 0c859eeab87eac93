#include "tests/support/recording_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace lp::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  return address;
}

}  // namespace

RecordingProxy::RecordingProxy(int target_port) : target_port_(target_port) {
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address = Loopback(0);
  socklen_t length = sizeof(address);
  if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      listen(listener_, 16) != 0 ||
      getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return;
  }
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { Accept(); });
}

RecordingProxy::~RecordingProxy() {
  std::vector<std::thread> pumps;
  {
    std::lock_guard lock(mu_);
    closing_ = true;
    for (int socket : sockets_) shutdown(socket, SHUT_RDWR);  // wakes the pumps
  }
  if (listener_ >= 0) shutdown(listener_, SHUT_RDWR);  // wakes accept()
  if (acceptor_.joinable()) acceptor_.join();
  {
    std::lock_guard lock(mu_);
    pumps.swap(pumps_);
  }
  for (std::thread& pump : pumps) pump.join();
  for (int socket : sockets_) close(socket);
  if (listener_ >= 0) close(listener_);
}

std::string RecordingProxy::Seen() const {
  std::lock_guard lock(mu_);
  return seen_;
}

void RecordingProxy::Accept() {
  while (true) {
    const int client = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) return;  // shut down
    const int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_in target = Loopback(target_port_);
    if (server < 0 ||
        connect(server, reinterpret_cast<const sockaddr*>(&target), sizeof(target)) != 0) {
      close(client);
      if (server >= 0) close(server);
      continue;
    }
    std::lock_guard lock(mu_);
    sockets_.push_back(client);
    sockets_.push_back(server);
    if (closing_) {
      shutdown(client, SHUT_RDWR);
      shutdown(server, SHUT_RDWR);
    }
    pumps_.emplace_back([this, client, server] { Pump(client, server); });
    pumps_.emplace_back([this, client, server] { Pump(server, client); });
  }
}

void RecordingProxy::Pump(int from, int to) {
  char buffer[16384];
  while (true) {
    const ssize_t got = read(from, buffer, sizeof(buffer));
    if (got <= 0) break;
    {
      std::lock_guard lock(mu_);
      seen_.append(buffer, static_cast<size_t>(got));
    }
    for (ssize_t sent = 0; sent < got;) {
      const ssize_t wrote =
          send(to, buffer + sent, static_cast<size_t>(got - sent), MSG_NOSIGNAL);
      if (wrote <= 0) {
        shutdown(from, SHUT_RDWR);
        return;
      }
      sent += wrote;
    }
  }
  shutdown(to, SHUT_WR);  // pass the end on
}

}  // namespace lp::testing
