#ifndef LP_TESTS_COORDINATOR_COORDINATOR_FIXTURE_H_
#define LP_TESTS_COORDINATOR_COORDINATOR_FIXTURE_H_

// A coordinator on 127.0.0.1 (port 0) and clients of it, for the coordinator tests.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "lp/event.h"
#include "src/coordinator/coordinator_client.h"
#include "src/coordinator/coordinator_server.h"
#include "src/coordinator/token.h"

namespace lp::internal {

// Deadlines for events that happen in milliseconds, generous for a loaded 2-core machine.
inline constexpr absl::Duration kPatience = absl::Seconds(60);

inline std::vector<NodeId> Workers(int n) {
  std::vector<NodeId> nodes;
  for (int i = 0; i < n; ++i) nodes.push_back(NodeId{"worker", i});
  return nodes;
}

// What one worker's stop watch saw.
struct Watcher {
  Event stopped;
  Event lost;
  std::string reason;   // written before `stopped` is notified
  absl::Status why;     // written before `lost` is notified
  absl::Time stopped_at;

  absl::Status Watch(CoordinatorClient& client, const NodeId& node) {
    return client.WatchStop(
        node,
        [this](const std::string& r) {
          reason = r;
          stopped_at = absl::Now();
          stopped.Notify();
        },
        [this](const absl::Status& s) {
          why = s;
          lost.Notify();
        });
  }
};

class CoordinatorTest : public ::testing::Test {
 protected:
  static constexpr char kFingerprint[] = "worker=4xClassNode<Worker>";

  void StartServer(std::vector<NodeId> nodes, CoordinatorHooks hooks = {},
                   std::vector<NodeId> start_after = {}) {
    absl::StatusOr<std::string> token = MakeToken();
    ASSERT_TRUE(token.ok()) << token.status();
    token_ = *token;
    CoordinatorOptions options;
    options.program_name = "test_program";
    options.fingerprint = kFingerprint;
    options.nodes = std::move(nodes);
    options.token = token_;
    options.hooks = std::move(hooks);
    options.start_after = std::move(start_after);
    absl::StatusOr<std::unique_ptr<CoordinatorServer>> server =
        CoordinatorServer::Start(std::move(options));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  std::string address() const { return absl::StrCat("127.0.0.1:", server_->port()); }

  // A client of the server, with the right token unless told otherwise; on `connection`
  // when it is valid (a forked worker's, from ConnectLocalWorker), else over TCP.
  std::unique_ptr<CoordinatorClient> NewClient(std::string token = "",
                                               UniqueFd connection = UniqueFd()) {
    CoordinatorClientOptions options;
    options.address = address();
    options.connection = std::move(connection);
    options.token = token.empty() ? token_ : token;
    options.call_timeout = kPatience;
    absl::StatusOr<std::unique_ptr<CoordinatorClient>> client =
        CoordinatorClient::Create(std::move(options));
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  // A client on a connection of its own to the server, as a forked worker has.
  std::unique_ptr<CoordinatorClient> NewLocalClient(std::string token = "") {
    absl::StatusOr<UniqueFd> connection = server_->ConnectLocalWorker();
    EXPECT_TRUE(connection.ok()) << connection.status();
    if (!connection.ok()) return nullptr;
    return NewClient(std::move(token), *std::move(connection));
  }

  std::string token_;
  std::unique_ptr<CoordinatorServer> server_;
};

}  // namespace lp::internal

#endif  // LP_TESTS_COORDINATOR_COORDINATOR_FIXTURE_H_
