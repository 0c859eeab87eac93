// Calls to a Courier server of this host through its Unix socket (src/courier/rpc/
// local_socket.h): a client that names the server by its TCP address opens no TCP
// connection, reaches exactly the server a TCP connection would have reached, and finds
// TCP again wherever the socket is not that server's.
#include <arpa/inet.h>
#include <grpcpp/support/channel_arguments.h>
#include <netdb.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lp/courier_channel.h"
#include "lp/courier_server.h"
#include "absl/strings/str_cat.h"
#include "src/courier/rpc/in_process_servers.h"
#include "src/courier/rpc/local_socket.h"
#include "src/net/host_port.h"
#include "src/net/local_address.h"
#include "src/process/unique_fd.h"
#include "tests/courier/echo_backend_process.h"
#include "tests/courier/rpc_test_util.h"

namespace lp::rpc {
namespace {

using ::lp::internal::UniqueFd;
using ::lp::testing::Args;
using ::lp::testing::ConnectionsOnPort;
using ::lp::testing::EchoBackendProcess;
using ::lp::testing::EchoFirst;
using ::lp::testing::Int;
using ::lp::testing::Timeout;

// A started server with Echo, bound to `host` at `port` (0: any).
std::unique_ptr<CourierServer> StartServer(const std::string& host, int port = 0) {
  auto server = std::make_unique<CourierServer>();
  EXPECT_TRUE(server->RegisterMethod("Echo", EchoFirst).ok());
  absl::StatusOr<int> started = server->Start(host + ":" + std::to_string(port));
  EXPECT_TRUE(started.ok()) << started.status();
  return server;
}

std::shared_ptr<CourierChannel> ChannelTo(const std::string& target, bool local_socket = true) {
  CourierChannelOptions options;
  options.local_socket = local_socket;
  return CourierChannel::Create(target, std::move(options));
}

void ExpectEcho(CourierChannel& channel, int value) {
  absl::StatusOr<courier::SerializedObject> reply =
      channel.Call("Echo", Args({Int(value)}), Timeout());
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->int_value(), value);
}

// A port no socket listens on now (the kernel's pick, released).
int FreePort() {
  UniqueFd probe(socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  EXPECT_EQ(bind(probe.get(), reinterpret_cast<sockaddr*>(&address), length), 0);
  EXPECT_EQ(getsockname(probe.get(), reinterpret_cast<sockaddr*>(&address), &length), 0);
  return ntohs(address.sin_port);
}

// Binds abstract name `name` without listening, as a stale or foreign socket could.
UniqueFd HoldName(const std::string& name) {
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM, 0));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path + 1, name.data(), name.size());
  const socklen_t length = offsetof(sockaddr_un, sun_path) + 1 + name.size();
  EXPECT_EQ(bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), length), 0)
      << std::strerror(errno);
  return fd;
}

TEST(LocalSocketTest, AServerInAnotherProcessOfThisHostIsCalledWithoutTcp) {
  EchoBackendProcess backend;
  ASSERT_NE(backend.channel(), nullptr) << backend.output();
  const int port = backend.port();
  for (int i = 0; i < 20; ++i) ExpectEcho(*backend.channel(), i);
  EXPECT_EQ(ConnectionsOnPort(port), 0);

  // The same calls without the socket: the count sees TCP, so the zero above means
  // something.
  std::shared_ptr<CourierChannel> tcp = ChannelTo(backend.address(), /*local_socket=*/false);
  ExpectEcho(*tcp, 1);
  EXPECT_EQ(ConnectionsOnPort(port), 2);
}

TEST(LocalSocketTest, ABackendWithLocalSocketsOffIsCalledOverTcp) {
  EchoBackendProcess backend({"LP_LOCAL_SOCKETS=0"});
  ASSERT_NE(backend.channel(), nullptr) << backend.output();
  const int port = backend.port();
  EXPECT_EQ(LocalSocketTarget(backend.address()), std::nullopt);
  ExpectEcho(*backend.channel(), 5);
  EXPECT_EQ(ConnectionsOnPort(port), 2);
}

TEST(LocalSocketTest, TheSocketIsNamedAfterTheAddressAndPortTheServerIsBoundTo) {
  std::unique_ptr<CourierServer> server = StartServer("127.0.0.1");
  const std::string port = std::to_string(server->port());
  EXPECT_EQ(LocalSocketTarget("127.0.0.1:" + port),
            "unix-abstract:lp-courier/127.0.0.1/" + port);
  EXPECT_EQ(LocalSocketTarget("localhost:" + port),
            "unix-abstract:lp-courier/127.0.0.1/" + port);
  // Another loopback address at the same port is another server's (none here).
  EXPECT_EQ(LocalSocketTarget("127.0.0.2:" + port), std::nullopt);
  EXPECT_EQ(LocalSocketTarget("[::1]:" + port), std::nullopt);
  std::shared_ptr<CourierChannel> channel = ChannelTo("127.0.0.1:" + port);
  ExpectEcho(*channel, 3);
  EXPECT_EQ(ConnectionsOnPort(server->port()), 0);
}

TEST(LocalSocketTest, AServerBoundToEveryAddressIsReachedByThisHostsAddressesOnly) {
  for (const std::string host : {"0.0.0.0", "[::]"}) {
    std::unique_ptr<CourierServer> server = StartServer(host);
    const std::string port = std::to_string(server->port());
    const std::string socket =
        absl::StrCat("unix-abstract:lp-courier/", host == "[::]" ? "::" : host, "/", port);
    for (const std::string& target : {"localhost:" + port, "127.0.0.1:" + port}) {
      EXPECT_EQ(LocalSocketTarget(target), socket) << host << " " << target;
      std::shared_ptr<CourierChannel> channel = ChannelTo(target);
      ExpectEcho(*channel, 4);
    }
    EXPECT_EQ(ConnectionsOnPort(server->port()), 0) << host;
    // An address of no interface of this host (TEST-NET-1), and a name, are another
    // host's: a socket there would reach its server, not this one.
    EXPECT_EQ(LocalSocketTarget("192.0.2.1:" + port), std::nullopt) << host;
    EXPECT_EQ(LocalSocketTarget("example.invalid:" + port), std::nullopt) << host;
  }
}

// Whether a TCP connection to `host` (brackets allowed; a name is looked up, every address
// tried, as a channel does) at `port` is accepted.
bool TcpConnects(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (getaddrinfo(internal::StripBrackets(host).c_str(), std::to_string(port).c_str(), &hints,
                  &found) != 0) {
    return false;
  }
  bool connected = false;
  for (addrinfo* at = found; at != nullptr && !connected; at = at->ai_next) {
    UniqueFd fd(socket(at->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    connected = fd.valid() && connect(fd.get(), at->ai_addr, at->ai_addrlen) == 0;
  }
  freeaddrinfo(found);
  return connected;
}

// Both ways of calling a server of this host without TCP, local sockets and the in-process
// transport, stand in for a TCP connection, so each must reach exactly the servers the
// kernel would connect that TCP connection to: one rule (internal::BindHostsReachedBy),
// checked here against real connections for servers bound every usual way.
TEST(LocalSocketTest, BothShortcutsReachExactlyTheServersATcpConnectionWould) {
  std::vector<std::string> targets = {"localhost", "127.0.0.1", "127.0.0.2", "[::1]"};
  // This host's address on the interface of its default route, where it has one.
  if (absl::StatusOr<std::string> own = internal::LocalAddressTowards("192.0.2.1"); own.ok()) {
    targets.push_back(own->find(':') == std::string::npos ? *own : "[" + *own + "]");
  }
  for (const std::string bound : {"127.0.0.1", "0.0.0.0", "[::]", "[::1]", "localhost"}) {
    std::unique_ptr<CourierServer> server = StartServer(bound);
    ASSERT_GT(server->port(), 0) << bound;
    for (const std::string& host : targets) {
      const std::string target = absl::StrCat(host, ":", server->port());
      const bool tcp = TcpConnects(host, server->port());
      const bool in_process =
          InProcessServers::Get().ChannelTo(target, grpc::ChannelArguments()).channel != nullptr;
      EXPECT_EQ(in_process, tcp) << "bound to " << bound << ", called at " << target;
      // A server bound to a name has no local socket (LocalSocketListener::Listen).
      const bool local_socket = LocalSocketTarget(target).has_value();
      EXPECT_EQ(local_socket, tcp && bound != "localhost")
          << "bound to " << bound << ", called at " << target;
    }
  }
}

TEST(LocalSocketTest, ANameHeldByASocketThatDoesNotListenLeavesCallsOnTcp) {
  const int port = FreePort();
  UniqueFd holder = HoldName("lp-courier/127.0.0.1/" + std::to_string(port));
  std::unique_ptr<CourierServer> server = StartServer("127.0.0.1", port);
  ASSERT_EQ(server->port(), port);
  const std::string target = "127.0.0.1:" + std::to_string(port);
  EXPECT_EQ(LocalSocketTarget(target), std::nullopt);
  std::shared_ptr<CourierChannel> channel = ChannelTo(target);
  ExpectEcho(*channel, 6);
  EXPECT_EQ(ConnectionsOnPort(port), 2);
}

TEST(LocalSocketTest, AServerThatShutDownTakesNoMoreConnectionsOnItsSocket) {
  std::unique_ptr<CourierServer> server = StartServer("127.0.0.1");
  const std::string target = "127.0.0.1:" + std::to_string(server->port());
  ASSERT_TRUE(LocalSocketTarget(target).has_value());
  server->Shutdown();
  EXPECT_EQ(LocalSocketTarget(target), std::nullopt);
}

TEST(LocalSocketTest, ACallWaitsForTheServerRestartedAtTheSameAddress) {
  std::unique_ptr<CourierServer> first = StartServer("127.0.0.1");
  const int port = first->port();
  std::shared_ptr<CourierChannel> channel = ChannelTo("127.0.0.1:" + std::to_string(port));
  ExpectEcho(*channel, 1);
  first->Shutdown();
  first.reset();
  // The channel reconnects to the same socket name, which the next server holds.
  std::unique_ptr<CourierServer> second = StartServer("127.0.0.1", port);
  ASSERT_EQ(second->port(), port);
  ExpectEcho(*channel, 2);
  EXPECT_EQ(ConnectionsOnPort(port), 0);
}

TEST(LocalSocketTest, LocalSocketsOffInTheEnvironmentMeansTcpOnBothSides) {
  ASSERT_EQ(setenv("LP_LOCAL_SOCKETS", "0", 1), 0);
  std::unique_ptr<CourierServer> server = StartServer("127.0.0.1");
  ASSERT_EQ(unsetenv("LP_LOCAL_SOCKETS"), 0);
  const std::string target = "127.0.0.1:" + std::to_string(server->port());
  EXPECT_EQ(LocalSocketTarget(target), std::nullopt);  // the server has none
  std::shared_ptr<CourierChannel> channel = ChannelTo(target);
  ExpectEcho(*channel, 7);
  EXPECT_EQ(ConnectionsOnPort(server->port()), 2);
}

}  // namespace
}  // namespace lp::rpc
