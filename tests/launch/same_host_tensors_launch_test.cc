// Large tensors between the nodes of a launched program on one machine go through shared
// memory, both ways, under local_mp (processes) and under local_mt (threads of one process)
// when its calls go through sockets (LP_IN_PROCESS_CALLS=0; by default they go in process,
// checked last here): the
// RL shape of a sender that hands each waiter 2 MiB tensors and fetches 2 MiB tensors back
// from it, as actors send trajectories and fetch a learner's parameters. It is
// tests/slurm/slurm_child's --mode=tensors, which slurm_cluster_test runs across hosts;
// here every waiter is on the sender's machine, so after the first call each way, only
// envelopes cross gRPC. In the sender's loop that follows, both sides reuse the storage
// of the tensors they are done with, the sender's copies put in shared memory included.
#include <regex>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/launch/launch_test_util.h"
#include "tests/support/child_process.h"
#include "tests/support/recycling_lines.h"

namespace lp {
namespace {

using ::lp::testing::BuildDir;
using ::lp::testing::ChildProcess;
using ::lp::testing::ExitCodeOf;
using ::lp::testing::kGenerous;

class SameHostTensorsLaunchTest : public ::testing::TestWithParam<std::string> {};

// What slurm_child's --mode=tensors printed for each waiter: the bytes its calls with the
// sender sent and received through gRPC.
struct WaiterBytes {
  std::string line;
  double sent = 0;
  double received = 0;
};
std::vector<WaiterBytes> BytesOfEachWaiter(const std::string& output) {
  const std::regex line(R"(tensors (waiter/[0-9]+) host=\S+ sender_host=\S+ )"
                        R"(sent=([0-9]+) received=([0-9]+))");
  std::vector<WaiterBytes> waiters;
  for (auto it = std::sregex_iterator(output.begin(), output.end(), line);
       it != std::sregex_iterator(); ++it) {
    waiters.push_back({(*it)[0].str(), std::stod((*it)[2].str()), std::stod((*it)[3].str())});
  }
  return waiters;
}

TEST_P(SameHostTensorsLaunchTest, TensorsToAndFromEveryWaiterCrossGrpcOnceEachWay) {
  constexpr int kWaiters = 2;
  constexpr double kTensorBytes = 2 << 20;  // slurm_child's tensors
  ChildProcess child({BuildDir() + "/tests/slurm/slurm_child", "--mode=tensors", "--local",
                      "--lp_launch_type=" + GetParam(), "--hosts=" + std::to_string(kWaiters)},
                     {"LP_IN_PROCESS_CALLS=0"});
  ASSERT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  const std::string& output = child.output();
  // Four tensors each way per waiter; the first each way goes through the socket.
  const std::vector<WaiterBytes> waiters = BytesOfEachWaiter(output);
  for (const WaiterBytes& waiter : waiters) {
    EXPECT_GE(waiter.sent, kTensorBytes) << waiter.line;
    EXPECT_LT(waiter.sent, 2 * kTensorBytes) << waiter.line << "\n" << output;
    EXPECT_GE(waiter.received, kTensorBytes) << waiter.line;
    EXPECT_LT(waiter.received, 2 * kTensorBytes) << waiter.line << "\n" << output;
  }
  EXPECT_EQ(waiters.size(), static_cast<size_t>(kWaiters)) << output;
  ::lp::testing::ExpectTensorStorageReused(output, kWaiters);
}

// The other side of the check above: with the cache of tensor storage off
// (LP_TENSOR_CACHE_MIB=0, which the workers inherit), every tensor of the loop is fresh.
TEST_P(SameHostTensorsLaunchTest, WithoutTheStorageCacheEveryTensorOfTheLoopIsFresh) {
  ChildProcess child({BuildDir() + "/tests/slurm/slurm_child", "--mode=tensors", "--local",
                      "--lp_launch_type=" + GetParam(), "--hosts=1"},
                     {"LP_TENSOR_CACHE_MIB=0"});
  ASSERT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  const std::regex line(R"(recycling waiter/0 sender_fresh=([0-9]+) waiter_fresh=([0-9]+) )"
                        R"(of=([0-9]+))");
  std::smatch match;
  ASSERT_TRUE(std::regex_search(child.output(), match, line)) << child.output();
  EXPECT_GE(std::stoi(match[1].str()), std::stoi(match[3].str())) << match[0].str();
  EXPECT_GE(std::stoi(match[2].str()), std::stoi(match[3].str())) << match[0].str();
}

// By default the nodes of one process call each other in process (docs/courier.md, "Calls
// within one process"): every tensor is handed over inside the requests and replies, none
// through shared memory, and the storage of the tensors is still reused.
TEST(SameHostTensorsInOneProcessTest, TensorsGoInProcessNotThroughSharedMemory) {
  constexpr int kWaiters = 2;
  constexpr double kTensorBytes = 2 << 20;
  ChildProcess child({BuildDir() + "/tests/slurm/slurm_child", "--mode=tensors", "--local",
                      "--lp_launch_type=local_mt", "--hosts=" + std::to_string(kWaiters)});
  ASSERT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  const std::string& output = child.output();
  const std::vector<WaiterBytes> waiters = BytesOfEachWaiter(output);
  for (const WaiterBytes& waiter : waiters) {
    EXPECT_GE(waiter.sent, 4 * kTensorBytes) << waiter.line;
    EXPECT_GE(waiter.received, 4 * kTensorBytes) << waiter.line;
  }
  EXPECT_EQ(waiters.size(), static_cast<size_t>(kWaiters)) << output;
  ::lp::testing::ExpectTensorStorageReused(output, kWaiters);
}

INSTANTIATE_TEST_SUITE_P(LaunchTypes, SameHostTensorsLaunchTest,
                         ::testing::Values("local_mt", "local_mp"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lp
