// Colocation under thread launches: inner nodes reachable through handles, ending on the
// first completed, failures named, retries, stop reaching every inner node.

#include "lp/colocation.h"

#include <atomic>
#include <stdexcept>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lp/lp.h"

namespace lp {
namespace {

using ::testing::HasSubstr;

const LaunchOptions kTestMt{.launch_type = LaunchType::kTestMt};
const LaunchOptions kLocalMt{.launch_type = LaunchType::kLocalMt, .handle_signals = false};

class Echo {
 public:
  std::string Say(const std::string& text) { return "echo: " + text; }
};
LP_COURIER_METHODS(Echo, Say);

TEST(ColocationTest, InnerNodesAreReachableFromInsideAndOutside) {
  Program program("colocated");
  CourierNode<Echo> echo;
  std::string from_inside, from_outside;
  Event inside_done;  // the program stops only once both calls are answered
  FunctionNode inner_caller(
      [&from_inside, &inside_done](CourierClient<Echo> client) {
        from_inside = client.Call(&Echo::Say, "in");
        inside_done.Notify();
      },
      program.AddNode(CourierNode<Echo>(), "top_echo"));  // inner nodes call out, too
  program.AddNode(MultiThreadingColocation({echo, inner_caller}), "pack");
  CourierHandle<Echo> echo_handle = program.HandleOf(echo);
  EXPECT_EQ(echo_handle.node().ToString(), "pack/0/0");
  program.AddNode(FunctionNode(
                      [&from_outside, &inside_done](CourierClient<Echo> client) {
                        from_outside = client.Call(&Echo::Say, "out");
                        inside_done.Wait();
                        Stop();
                      },
                      echo_handle),
                  "outside");
  ASSERT_TRUE(Launch(std::move(program), kTestMt).Wait().ok());
  EXPECT_EQ(from_inside, "echo: in");
  EXPECT_EQ(from_outside, "echo: out");
}

class Relay {
 public:
  explicit Relay(CourierClient<Echo> echo) : echo_(std::move(echo)) {}
  std::string Forward(const std::string& text) { return echo_.Call(&Echo::Say, text); }

 private:
  CourierClient<Echo> echo_;
};
LP_COURIER_METHODS(Relay, Forward);

// Configure closes the loop: the relay is created before its neighbour's handle exists.
TEST(ColocationTest, InnerNodesCallEachOther) {
  Program program("neighbours");
  CourierNode<Echo> echo;
  CourierNode<Relay> relay;  // its argument comes below, through Configure
  program.AddNode(MultiThreadingColocation({echo, relay}), "pack");
  relay.Configure(program.HandleOf(echo));
  std::string relayed;
  program.AddNode(FunctionNode(
                      [&relayed](CourierClient<Relay> client) {
                        relayed = client.Call(&Relay::Forward, "hi");
                        Stop();
                      },
                      program.HandleOf(relay)),
                  "caller");
  ASSERT_TRUE(Launch(std::move(program), kTestMt).Wait().ok());
  EXPECT_EQ(relayed, "echo: hi");
}

TEST(ColocationTest, ReturnOnFirstCompletedEndsTheColocation) {
  Program program("first");
  FunctionNode quick([] {});
  FunctionNode waiting([] { WaitForStop(); });
  program.AddNode(MultiThreadingColocation({quick, waiting}, /*return_on_first_completed=*/true),
                  "pack");
  // The colocation is the only node: once it returns the program ends by itself, which
  // releases the waiting inner node.
  Controller controller = Launch(std::move(program), kTestMt);
  EXPECT_TRUE(controller.WaitFor(absl::Minutes(1)));
  EXPECT_TRUE(controller.Wait().ok());
}

TEST(ColocationTest, WithoutReturnOnFirstCompletedItWaitsForAll) {
  Program program("all");
  FunctionNode quick([] {});
  std::atomic<bool> waited{false};
  FunctionNode waiting([&] { waited = WaitForStop(); });
  program.AddNode(MultiThreadingColocation({quick, waiting}), "pack");
  Controller controller = Launch(std::move(program), kTestMt);
  EXPECT_FALSE(controller.WaitFor(absl::Milliseconds(300)));
  controller.Stop();
  EXPECT_TRUE(controller.Wait().ok());
  EXPECT_TRUE(waited);
}

TEST(ColocationTest, InnerFailureFailsTheColocationNamingTheInnerNode) {
  Program program("failing");
  FunctionNode fine([] { WaitForStop(); });
  FunctionNode broken([] { throw std::runtime_error("inner boom"); });
  program.AddNode(MultiThreadingColocation({fine, broken}), "pack");
  absl::Status status = Launch(std::move(program), kLocalMt).Wait();
  EXPECT_THAT(status.message(), HasSubstr("node pack/0 failed: inner node pack/0/1 failed: inner boom"));
}

TEST(ColocationTest, StopReachesEveryInnerNode) {
  std::atomic<int> stopped{0};
  Program program("stop");
  FunctionNode a([&] { stopped += WaitForStop(); });
  FunctionNode b([&] { stopped += WaitForStop(); });
  program.AddNode(MultiThreadingColocation({a, b}), "pack");
  program.AddNode(FunctionNode([] { Stop(); }), "stopper");
  ASSERT_TRUE(Launch(std::move(program), kTestMt).Wait().ok());
  EXPECT_EQ(stopped, 2);
}

TEST(ColocationTest, InnerNodesSeeTheirOwnContext) {
  std::string seen;
  Program program("context");
  FunctionNode inner([&] { seen = CurrentNode()->node.ToString(); });
  program.AddNode(MultiThreadingColocation({inner}), "pack");
  ASSERT_TRUE(Launch(std::move(program), kTestMt).Wait().ok());
  EXPECT_EQ(seen, "pack/0/0");
}

// Under thread launches a MultiProcessingColocation runs its nodes as threads, retries
// included.
TEST(ColocationTest, RetriesThenSucceeds) {
  std::atomic<int> attempts{0};
  Program program("retry");
  FunctionNode flaky([&] {
    if (++attempts < 3) throw std::runtime_error("not yet");
  });
  program.AddNode(MultiProcessingColocation({flaky}, /*num_retries_on_failure=*/2), "pack");
  ASSERT_TRUE(Launch(std::move(program), kLocalMt).Wait().ok());
  EXPECT_EQ(attempts, 3);
}

TEST(ColocationTest, RetriesUsedUpFailWithTheInnerNodeNamed) {
  std::atomic<int> attempts{0};
  Program program("give_up");
  FunctionNode hopeless([&] {
    ++attempts;
    throw std::runtime_error("always broken");
  });
  program.AddNode(MultiProcessingColocation({hopeless}, /*num_retries_on_failure=*/2), "pack");
  absl::Status status = Launch(std::move(program), kLocalMt).Wait();
  EXPECT_THAT(status.message(), HasSubstr("inner node pack/0/0 failed: always broken"));
  EXPECT_EQ(attempts, 3);  // the first run and two retries
}

TEST(ColocationTest, InnerNodeAddedToTheProgramTooIsAnError) {
  Program program("twice");
  FunctionNode inner([] {});
  program.AddNode(inner, "alone");
  EXPECT_THROW(program.AddNode(MultiThreadingColocation({inner}), "pack"), ProgramError);
}

TEST(ColocationTest, HandleOfANodeNotInTheProgramIsAnError) {
  Program program("nothing");
  CourierNode<Echo> stray;
  EXPECT_THROW(program.HandleOf(stray), ProgramError);
}

}  // namespace
}  // namespace lp
