#include "src/launch/worker_starter.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "src/launch/fork_server_protocol.h"

namespace lp::internal {
namespace {

// How long a fork server may take to reach lp::Launch before its workers are exec'd
// instead: about as long as main() takes, but hundreds of workers starting at once on a
// loaded machine slow it down.
constexpr absl::Duration kServerReadyTimeout = absl::Seconds(60);

// Why workers of `group` cannot be forked whatever the server; empty when they can.
std::string WhyExec(bool use_fork_servers, const Terminal& terminal,
                    const ProcessConfig* config) {
  if (!use_fork_servers) return "--lp_fork_server=false";
#if defined(__SANITIZE_THREAD__)
  // The server would refuse (serve_forks.cc): do not start one for nothing.
  return kNoForkServerUnderTsan;
#endif
  if (terminal.kind() != TerminalKind::kCurrentTerminal &&
      terminal.kind() != TerminalKind::kOutputToFiles) {
    return absl::StrCat("the ", TerminalKindName(terminal.kind()),
                        " terminal starts its nodes' processes itself");
  }
  if (config != nullptr && !config->wrapper.empty()) return "the group has a wrapper";
  if (config != nullptr && !config->args.empty()) return "the group has flags of its own";
  return "";
}

}  // namespace

void WorkerStarter::Debug(const std::string& group, const std::string& why) {
  const char* debug = std::getenv("LP_DEBUG");
  if (debug == nullptr || *debug == '\0' || !explained_.insert(group).second) return;
  std::fprintf(stderr, "lp: debug: the workers of group '%s' are exec'd, not forked: %s\n",
               group.c_str(), why.c_str());
}

ForkServer* WorkerStarter::ServerFor(const std::string& group, const ProcessConfig* config,
                                     const SpawnSpec& spec) {
  if (const std::string why = WhyExec(use_fork_servers_, terminal_, config); !why.empty()) {
    Debug(group, why);
    return nullptr;
  }
  const std::map<std::string, std::string> env =
      config == nullptr ? std::map<std::string, std::string>() : config->env;
  auto it = servers_.find(env);
  if (it == servers_.end()) {
    const std::string key =
        servers_.empty() ? "lp-fork-server" : absl::StrCat("lp-fork-server-", servers_.size() + 1);
    absl::StatusOr<std::unique_ptr<ForkServer>> server =
        ForkServer::Start(terminal_, key, spec, absl::Now() + kServerReadyTimeout);
    if (!server.ok()) Debug(group, std::string(server.status().message()));
    it = servers_.emplace(env, server.ok() ? *std::move(server) : nullptr).first;
  }
  if (it->second == nullptr) Debug(group, "its fork server could not start");
  return it->second.get();
}

std::vector<absl::StatusOr<std::unique_ptr<NodeProcess>>> WorkerStarter::Launch(
    std::vector<Worker> workers) {
  std::vector<absl::StatusOr<std::unique_ptr<NodeProcess>>> started(workers.size());
  // The workers to fork, by server, and their requests.
  std::map<ForkServer*, std::pair<std::vector<size_t>, std::vector<ForkServer::Request>>> forks;
  for (size_t i = 0; i < workers.size(); ++i) {
    Worker& worker = workers[i];
    ForkServer* server = ServerFor(worker.group, worker.config, worker.spec);
    if (server == nullptr) {
      started[i] = terminal_.Launch(worker.node_key, std::move(worker.spec));
      continue;
    }
    absl::StatusOr<UniqueFd> output = terminal_.OpenOutput(worker.node_key);
    if (!output.ok()) {
      started[i] = output.status();
      continue;
    }
    // Saves the worker a TCP connection and gRPC's name resolution and load balancing
    // before it can register: a sixth of a forked worker's start (docs/performance.md).
    UniqueFd coordinator;
    if (connect_coordinator_ != nullptr) {
      absl::StatusOr<UniqueFd> connection = connect_coordinator_();
      if (!connection.ok()) {
        started[i] = connection.status();
        continue;
      }
      coordinator = *std::move(connection);
    }
    auto& [indices, requests] = forks[server];
    indices.push_back(i);
    requests.push_back({worker.spec.env_overrides, *std::move(output), std::move(coordinator)});
  }
  for (auto& [server, batch] : forks) {
    auto& [indices, requests] = batch;
    std::vector<absl::StatusOr<std::unique_ptr<NodeProcess>>> forked =
        server->ForkAll(std::move(requests));
    for (size_t k = 0; k < indices.size(); ++k) {
      Worker& worker = workers[indices[k]];
      if (forked[k].ok()) {
        started[indices[k]] = std::move(forked[k]);
        continue;
      }
      Debug(worker.group, std::string(forked[k].status().message()));
      started[indices[k]] = terminal_.Launch(worker.node_key, std::move(worker.spec));
    }
  }
  return started;
}

}  // namespace lp::internal
