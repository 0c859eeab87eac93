// StatusBoard: how events move a node's state; the exit summary; the JSON and the table
// lp_status prints from it.
#include "src/status/status_board.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "src/status/exit_summary.h"
#include "src/status/status_json.h"

namespace lp::internal {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const NodeId kActor{"actor", 0};
const NodeId kLearner{"learner", 0};
const NodeId kInner{"replay", 1};

ProgramStatus ThreeNodes() {
  ProgramStatus program;
  program.name = "rl";
  program.launch_type = "local_mp";
  program.started_at = absl::Now() - absl::Seconds(3);
  for (const NodeId& id : {kActor, kLearner, kInner}) {
    NodeStatus node;
    node.id = id;
    node.kind = "FunctionNode";
    program.nodes.push_back(node);
  }
  program.nodes[2].parent = "replay/0";
  return program;
}

NodeState StateOf(const StatusBoard& board, const NodeId& id) {
  for (const NodeStatus& node : board.Snapshot().nodes) {
    if (node.id == id) return node.state;
  }
  ADD_FAILURE() << "no node " << id.ToString();
  return NodeState::kStarting;
}

TEST(StatusBoardTest, AProcessNodeGoesFromStartingThroughRegisteredToRunning) {
  StatusBoard board(ThreeNodes());
  board.Started({kActor, kLearner}, /*running=*/false);
  EXPECT_EQ(StateOf(board, kActor), NodeState::kStarting);
  board.Registered(kActor, 1234, "host-a");
  EXPECT_EQ(StateOf(board, kActor), NodeState::kRegistered);
  board.Watching(kActor, /*program_started=*/false);
  EXPECT_EQ(StateOf(board, kActor), NodeState::kRegistered);  // waits for the others
  board.Registered(kLearner, 1235, "host-b");
  board.Watching(kLearner, /*program_started=*/true);  // the start reaches both
  EXPECT_EQ(StateOf(board, kActor), NodeState::kRunning);
  EXPECT_EQ(StateOf(board, kLearner), NodeState::kRunning);
  const NodeStatus actor = board.Snapshot().nodes[0];
  EXPECT_EQ(actor.pid, 1234);
  EXPECT_EQ(actor.host, "host-a");
  EXPECT_TRUE(actor.started_at.has_value());
}

TEST(StatusBoardTest, TheFirstEndCountsAndTheStopReachesTheNodesStillRunning) {
  StatusBoard board(ThreeNodes());
  board.Started({kActor, kLearner, kInner}, /*running=*/true);
  board.Ended(kActor, NodeState::kFailed, "it failed: boom", 1);
  board.Stopping("node actor/0 failed");
  board.Stopping("a later reason");  // the first one stays
  board.Ended(kActor, NodeState::kExited, "exited with code 0");
  board.Gone(kActor, /*killed=*/false, "it ended");
  EXPECT_EQ(StateOf(board, kLearner), NodeState::kStopping);
  board.Gone(kLearner, /*killed=*/true, "killed after the termination notice");
  board.ProgramEnded();

  const ProgramStatus status = board.Snapshot();
  EXPECT_TRUE(status.stopping);
  EXPECT_TRUE(status.ended);
  EXPECT_EQ(status.stop_reason, "node actor/0 failed");
  EXPECT_EQ(status.nodes[0].state, NodeState::kFailed);
  EXPECT_EQ(status.nodes[0].ended_how, "it failed: boom");
  EXPECT_EQ(status.nodes[0].exit_code, 1);
  EXPECT_EQ(status.nodes[1].state, NodeState::kKilled);
  EXPECT_EQ(status.nodes[2].state, NodeState::kExited);  // ended with the program
}

TEST(StatusBoardTest, ARegistrationAfterAnEndIsARestart) {
  StatusBoard board(ThreeNodes());
  board.Registered(kInner, 10, "h");
  board.Watching(kInner, true);
  board.Ended(kInner, NodeState::kFailed, "it failed: first try");
  board.Registered(kInner, 11, "h");
  NodeStatus inner = board.Snapshot().nodes[2];
  EXPECT_EQ(inner.restarts, 1);
  EXPECT_EQ(inner.state, NodeState::kRegistered);
  EXPECT_EQ(inner.pid, 11);
  EXPECT_TRUE(inner.ended_how.empty());
  board.Watching(kInner, true);
  EXPECT_EQ(StateOf(board, kInner), NodeState::kRunning);

  board.Restarted(kActor);  // a thread colocation's restart
  EXPECT_EQ(board.Snapshot().nodes[0].restarts, 1);
}

TEST(StatusBoardTest, WaitForChangeWakesOnAnEvent) {
  StatusBoard board(ThreeNodes());
  const int64_t version = board.Version();
  EXPECT_FALSE(board.WaitForChange(version, absl::Now()));
  board.Published(kLearner, "127.0.0.1:1234");
  EXPECT_TRUE(board.WaitForChange(version, absl::Now()));
  EXPECT_EQ(board.Snapshot().nodes[1].address, "127.0.0.1:1234");
}

TEST(StatusBoardTest, UnknownNodesAreIgnored) {
  StatusBoard board(ThreeNodes());
  board.Registered(NodeId{"nobody", 3}, 1, "h");
  board.Ended(NodeId{"nobody", 3}, NodeState::kFailed, "x");
  EXPECT_EQ(board.NumNodes(), 3);
  EXPECT_EQ(board.CountAtLeast(NodeState::kRegistered), 0);
}

TEST(ExitSummaryTest, CountsEachGroupsEndsAndRestarts) {
  StatusBoard board(ThreeNodes());
  board.Ended(kActor, NodeState::kFailed, "boom");
  board.Restarted(kInner);
  board.Restarted(kInner);
  board.ProgramEnded();
  const std::string summary = ExitSummary(board.Snapshot(), absl::Now());
  EXPECT_THAT(summary, HasSubstr("lp: program 'rl' ran "));
  EXPECT_THAT(summary, HasSubstr("actor 1 failed"));
  EXPECT_THAT(summary, HasSubstr("learner 1 exited"));
  EXPECT_THAT(summary, HasSubstr("replay 1 exited (restarted 2 times)"));
  EXPECT_EQ(summary.back(), '\n');
}

TEST(StatusJsonTest, NodesCarryEveryFieldAndNullsForWhatIsUnknown) {
  StatusBoard board(ThreeNodes());
  board.Registered(kActor, 77, "host-a");
  board.Published(kActor, "10.0.0.1:5000");
  const nlohmann::json json = nlohmann::json::parse(NodesJson(board.Snapshot(), absl::Now()));
  ASSERT_EQ(json["nodes"].size(), 3u);
  const nlohmann::json& actor = json["nodes"][0];
  EXPECT_EQ(actor["id"], "actor/0");
  EXPECT_EQ(actor["state"], "registered");
  EXPECT_EQ(actor["pid"], 77);
  EXPECT_EQ(actor["host"], "host-a");
  EXPECT_EQ(actor["address"], "10.0.0.1:5000");
  EXPECT_TRUE(actor["uptime_seconds"].is_number());
  EXPECT_TRUE(json["nodes"][1]["pid"].is_null());
  EXPECT_TRUE(json["nodes"][1]["uptime_seconds"].is_null());
  EXPECT_EQ(json["nodes"][2]["parent"], "replay/0");
}

TEST(StatusJsonTest, TheTableHasARowPerNode) {
  StatusBoard board(ThreeNodes());
  board.Registered(kActor, 77, "host-a");
  board.Stopping("every node ended");
  const ProgramStatus status = board.Snapshot();
  absl::StatusOr<std::string> table =
      FormatStatusTable(ProgramJson(status, absl::Now()), NodesJson(status, absl::Now()));
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_THAT(*table, HasSubstr("program 'rl' (local_mp), up "));
  EXPECT_THAT(*table, HasSubstr("stopping: every node ended"));
  EXPECT_THAT(*table, HasSubstr("NODE"));
  EXPECT_THAT(*table, HasSubstr("actor/0"));
  EXPECT_THAT(*table, HasSubstr("host-a"));
  EXPECT_THAT(*table, HasSubstr("replay/1"));
  EXPECT_THAT(*table, Not(HasSubstr("null")));
}

TEST(StatusJsonTest, TheTableRefusesWhatIsNotAStatusServersAnswer) {
  EXPECT_FALSE(FormatStatusTable("<html>", "{}").ok());
  EXPECT_FALSE(FormatStatusTable("{}", "{\"nodes\": 3}").ok());
}

}  // namespace
}  // namespace lp::internal
