#include "src/courier/rpc/in_process_servers.h"

#include <algorithm>
#include <cstdlib>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "src/courier/rpc/tsan_edge.h"
#include "src/net/host_port.h"
#include "src/net/local_address.h"

namespace lp::rpc {
namespace {

bool IsUnixSocket(const std::string& address) { return absl::StartsWith(address, "unix"); }

}  // namespace

bool InProcessCallsEnabled() {
  const char* value = std::getenv("LP_IN_PROCESS_CALLS");
  return value == nullptr || std::string_view(value) != "0";
}

bool InProcessGate::Enter() {
  TsanEdge();  // the request, encoded by this thread, is read by the server's
  in_flight_.fetch_add(1);
  being_made_.fetch_add(1);
  if (!closed_.load()) return true;
  Made();
  Ended();
  return false;
}

void InProcessGate::Made() { being_made_.fetch_sub(1); }

void InProcessGate::Ended() {
  TsanEdge();  // the reply, written by the server's thread, is read by this one
  if (in_flight_.fetch_sub(1) == 1 && closed_.load()) {
    std::lock_guard<std::mutex> lock(mu_);  // Close() is waiting or about to check
    ended_.notify_all();
  }
}

void InProcessGate::Close(absl::Time deadline) {
  closed_.store(true);
  {
    std::unique_lock<std::mutex> lock(mu_);
    ended_.wait_until(lock, absl::ToChronoTime(deadline),
                      [this] { return in_flight_.load() == 0; });
  }
  // Those still being made take microseconds: no condition variable on every call's path
  // for this rare wait.
  while (being_made_.load() != 0) std::this_thread::yield();
}

InProcessServers& InProcessServers::Get() {
  static InProcessServers* const servers = new InProcessServers();  // never destroyed
  return *servers;
}

void InProcessServers::Add(const std::string& bind_address, int port, grpc::Server* server,
                           std::function<void()> called_in_process) {
  Listener listener{.host = bind_address,
                    .port = 0,
                    .server = server,
                    .gate = std::make_shared<InProcessGate>(),
                    .called_in_process = std::move(called_in_process)};
  if (!IsUnixSocket(bind_address)) {
    absl::StatusOr<std::pair<std::string, int>> split = internal::SplitHostPort(bind_address);
    if (!split.ok()) return;  // not an address a client could name: calls go by socket
    listener.host = internal::CanonicalHost(split->first);
    listener.port = port;
  }
  std::lock_guard<std::mutex> lock(mu_);
  listeners_.push_back(std::move(listener));
}

void InProcessServers::Remove(const grpc::Server* server, absl::Time deadline) {
  std::shared_ptr<InProcessGate> gate;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::erase_if(listeners_, [&](const Listener& listener) {
      if (listener.server != server) return false;
      gate = listener.gate;
      return true;
    });
  }
  if (gate != nullptr) gate->Close(deadline);
}

InProcessChannel InProcessServers::ChannelTo(const std::string& target,
                                             const grpc::ChannelArguments& arguments) {
  {
    // A process without servers (a launcher, a client) need not work out the rule.
    std::lock_guard<std::mutex> lock(mu_);
    if (listeners_.empty()) return {};
  }
  // What a connection to `target` reaches: a Unix socket's own address, or the servers
  // bound to one of these hosts at its port.
  std::vector<std::string> hosts = {target};
  int port = 0;
  if (!IsUnixSocket(target)) {
    absl::StatusOr<std::pair<std::string, int>> split = internal::SplitHostPort(target);
    if (!split.ok() || split->second == 0) return {};
    hosts = internal::BindHostsReachedBy(internal::CanonicalHost(split->first));
    port = split->second;
  }
  // Under the lock: once Remove() returned, no channel to that server is made.
  std::lock_guard<std::mutex> lock(mu_);
  auto found = std::find_if(listeners_.begin(), listeners_.end(), [&](const Listener& listener) {
    return listener.port == port &&
           std::find(hosts.begin(), hosts.end(), listener.host) != hosts.end();
  });
  if (found == listeners_.end()) return {};
  if (found->called_in_process) found->called_in_process();
  return {found->server->InProcessChannel(arguments), found->gate};
}

}  // namespace lp::rpc
