// The Courier transport counts every call it serves and makes, under the node whose thread
// built the server or made the call, with the call's method, target and status code.

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lp/courier_channel.h"
#include "lp/courier_server.h"
#include "lp/future.h"
#include "src/metrics/courier_metrics.h"
#include "src/metrics/merge.h"
#include "src/metrics/node_label.h"
#include "tests/courier/rpc_test_util.h"
#include "tests/metrics/exposition.h"

namespace lp {
namespace {

using ::lp::testing::Args;
using ::lp::testing::EchoFirst;
using ::lp::testing::Int;
using ::lp::testing::Timeout;
using ::lp::testing::Value;

std::string ProcessMetricsText() {
  return metrics::SerializeMetricFamilies(metrics::CollectProcessMetrics());
}

// A server built as node `node` would build it, with Echo and Fail.
std::unique_ptr<CourierServer> StartServer(const std::string& node, int* port) {
  std::optional<metrics::ScopedNodeLabel> as_node;
  if (!node.empty()) as_node.emplace(node);
  auto server = std::make_unique<CourierServer>();
  EXPECT_TRUE(server->RegisterMethod("Echo", EchoFirst).ok());
  EXPECT_TRUE(server
                  ->RegisterMethod("Fail",
                                   [](courier::CallArguments&)
                                       -> absl::StatusOr<courier::SerializedObject> {
                                     return absl::FailedPreconditionError("deliberate");
                                   })
                  .ok());
  absl::StatusOr<int> bound = server->Start("127.0.0.1:0");
  EXPECT_TRUE(bound.ok()) << bound.status();
  *port = bound.ok() ? *bound : 0;
  return server;
}

TEST(CourierMetricsTest, ServedAndMadeCallsAreCountedByNodeMethodAndCode) {
  int port = 0;
  std::unique_ptr<CourierServer> server = StartServer("learner_t1/0", &port);
  CourierChannelOptions options;
  options.peer_name = "learner_t1/0";
  std::shared_ptr<CourierChannel> channel =
      CourierChannel::Create(absl::StrCat("127.0.0.1:", port), options);
  {
    metrics::ScopedNodeLabel as_node("actor_t1/3");
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(channel->Call("Echo", Args({Int(i)}), Timeout()).ok());
    std::vector<Future<courier::SerializedObject>> futures;
    for (int i = 0; i < 2; ++i) futures.push_back(channel->CallFuture("Echo", Args({Int(i)}), Timeout()));
    for (auto& future : futures) ASSERT_TRUE(future.TakeResult().ok());
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(channel->Call("Fail", Args({}), Timeout()).status().code(),
                absl::StatusCode::kFailedPrecondition);
    }
    EXPECT_EQ(channel->Call("Nope", Args({}), Timeout()).status().code(),
              absl::StatusCode::kNotFound);
  }
  const std::string text = ProcessMetricsText();
  const std::map<std::string, std::string> served = {{"node", "learner_t1/0"}};
  const std::map<std::string, std::string> made = {{"node", "actor_t1/3"},
                                                    {"target", "learner_t1/0"}};
  auto with = [](std::map<std::string, std::string> labels, const std::string& key,
                 const std::string& value) {
    labels[key] = value;
    return labels;
  };
  EXPECT_EQ(Value(text, "lp_courier_calls_served_total",
                  with(with(served, "method", "Echo"), "code", "OK")), 7) << text;
  EXPECT_EQ(Value(text, "lp_courier_calls_served_total",
                  with(with(served, "method", "Fail"), "code", "FAILED_PRECONDITION")), 3)
      << text;
  // An unregistered method is counted, but not under its name: callers cannot add labels.
  EXPECT_EQ(Value(text, "lp_courier_calls_served_total",
                  with(with(served, "method", "(other)"), "code", "NOT_FOUND")), 1) << text;
  EXPECT_EQ(Value(text, "lp_courier_calls_served_total", with(served, "method", "Nope")), -1)
      << text;
  EXPECT_EQ(Value(text, "lp_courier_calls_made_total",
                  with(with(made, "method", "Echo"), "code", "OK")), 7) << text;
  EXPECT_EQ(Value(text, "lp_courier_calls_made_total",
                  with(with(made, "method", "Fail"), "code", "FAILED_PRECONDITION")), 3) << text;
  EXPECT_EQ(Value(text, "lp_courier_calls_made_total",
                  with(with(made, "method", "Nope"), "code", "NOT_FOUND")), 1) << text;
  EXPECT_EQ(Value(text, "lp_courier_served_latency_seconds_count", with(served, "method", "Echo")),
            7) << text;
  EXPECT_EQ(Value(text, "lp_courier_made_latency_seconds_count", with(made, "method", "Fail")), 3)
      << text;
  const double request_bytes =
      Value(text, "lp_courier_made_sent_bytes_total", with(made, "method", "Echo"));
  EXPECT_GT(request_bytes, 0) << text;
  EXPECT_EQ(Value(text, "lp_courier_served_received_bytes_total", with(served, "method", "Echo")),
            request_bytes) << text;
  const double reply_bytes =
      Value(text, "lp_courier_served_sent_bytes_total", with(served, "method", "Echo"));
  EXPECT_GT(reply_bytes, 0) << text;
  EXPECT_EQ(Value(text, "lp_courier_made_received_bytes_total", with(made, "method", "Echo")),
            reply_bytes) << text;
}

// "(other)" is resolved only when a call is refused before its method is known: a server
// that only ever serves its own methods shows no such series.
TEST(CourierMetricsTest, AServerThatOnlyServesItsMethodsHasNoOtherSeries) {
  int port = 0;
  std::unique_ptr<CourierServer> server = StartServer("learner_t3/0", &port);
  std::shared_ptr<CourierChannel> channel = CourierChannel::Create(
      absl::StrCat("127.0.0.1:", port), CourierChannelOptions());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(channel->Call("Echo", Args({Int(i)}), Timeout()).ok());
  std::vector<Future<courier::SerializedObject>> futures;
  for (int i = 0; i < 2; ++i) {
    futures.push_back(channel->CallFuture("Echo", Args({Int(i)}), Timeout()));
  }
  for (auto& future : futures) ASSERT_TRUE(future.TakeResult().ok());
  EXPECT_EQ(channel->Call("Fail", Args({}), Timeout()).status().code(),
            absl::StatusCode::kFailedPrecondition);

  const std::string text = ProcessMetricsText();
  const std::map<std::string, std::string> echo = {{"node", "learner_t3/0"}, {"method", "Echo"}};
  EXPECT_EQ(Value(text, "lp_courier_served_latency_seconds_count", echo), 5) << text;
  const std::map<std::string, std::string> other = {{"node", "learner_t3/0"},
                                                    {"method", "(other)"}};
  EXPECT_EQ(Value(text, "lp_courier_served_latency_seconds_count", other), -1) << text;
  EXPECT_EQ(Value(text, "lp_courier_calls_served_total", other), -1) << text;
}

TEST(CourierMetricsTest, CodeOutsideANodeCountsAsMainAndAChannelWithoutPeerNameByAddress) {
  int port = 0;
  std::unique_ptr<CourierServer> server = StartServer("", &port);
  const std::string target = absl::StrCat("127.0.0.1:", port);
  std::shared_ptr<CourierChannel> channel = CourierChannel::Create(target);
  ASSERT_TRUE(channel->Call("Echo", Args({Int(1)}), Timeout()).ok());
  const std::string text = ProcessMetricsText();
  // Other tests of this binary count under "main" too: at least this call.
  EXPECT_GE(Value(text, "lp_courier_calls_served_total",
                  {{"node", "main"}, {"method", "Echo"}, {"code", "OK"}}), 1) << text;
  EXPECT_EQ(Value(text, "lp_courier_calls_made_total",
                  {{"node", "main"}, {"target", target}, {"method", "Echo"}, {"code", "OK"}}), 1)
      << text;
}

}  // namespace
}  // namespace lp
