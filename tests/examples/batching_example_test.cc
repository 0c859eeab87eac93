// examples/batching as a user runs it: 16 client nodes call one batched method, one value
// at a time, under local_mt and local_mp. Every client must get its own results (the
// example checks them and throws otherwise), the program must stop cleanly when the last
// one is done, and the batches the server ran must hold every call exactly once.

#include <regex>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/launch/launch_test_util.h"
#include "tests/support/child_process.h"

namespace lp {
namespace {

using ::lp::testing::BuildDir;
using ::lp::testing::ChildProcess;
using ::lp::testing::ExitCodeOf;
using ::lp::testing::kGenerous;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kClients = 16;
constexpr int kCallsPerClient = 10;  // as in the example

// The calls the server's batches held, from its line "server: batches run (count of
// size): 2 of 1, 9 of 16": the sum of count × size; -1 without that line.
int CallsInBatches(const std::string& output) {
  std::smatch line;
  if (!std::regex_search(output, line, std::regex(R"(server: batches run \(count of size\): (.*))"))) {
    return -1;
  }
  const std::string sizes = line[1].str();
  const std::regex entry(R"(([0-9]+) of ([0-9]+))");
  int calls = 0;
  for (auto it = std::sregex_iterator(sizes.begin(), sizes.end(), entry);
       it != std::sregex_iterator(); ++it) {
    int count = 0, size = 0;
    if (!absl::SimpleAtoi((*it)[1].str(), &count) || !absl::SimpleAtoi((*it)[2].str(), &size)) {
      return -1;
    }
    calls += count * size;
  }
  return calls;
}

class BatchingExampleTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BatchingExampleTest, EveryClientGetsItsOwnResultsAndTheProgramStopsCleanly) {
  ChildProcess child({BuildDir() + "/examples/batching", "--lp_launch_type=" + GetParam(),
                      absl::StrCat("--num_clients=", kClients),
                      "--lp_termination_notice_secs=600"});
  ASSERT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  const std::string& output = child.output();
  for (int i = 0; i < kClients; ++i) {
    EXPECT_THAT(output, HasSubstr(absl::StrCat("client ", i, ": ", kCallsPerClient,
                                               " results checked")))
        << output;
  }
  EXPECT_THAT(output, HasSubstr("last to finish, stopping the program")) << output;
  // The results' count: the Finished calls are not batched.
  EXPECT_EQ(CallsInBatches(output), kClients * kCallsPerClient) << output;
  EXPECT_THAT(output, Not(HasSubstr("failed"))) << output;
}

INSTANTIATE_TEST_SUITE_P(LaunchTypes, BatchingExampleTest,
                         ::testing::Values("local_mp", "local_mt"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lp
