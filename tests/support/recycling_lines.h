// Checks of the "recycling <waiter> sender_fresh=<n> waiter_fresh=<n> of=<n>" lines that
// tests/slurm/slurm_child --mode=tensors prints: in an actor's loop of tensors sent and
// fetched, each process reused the storage of the tensors it had done with
// (src/courier/serialization/tensor_bytes.h) instead of allocating it afresh. A handful
// of fresh ones are allowed (a reply's bytes still held by gRPC when the next call
// starts); without reuse every tensor of the loop is fresh.
#ifndef LP_TESTS_SUPPORT_RECYCLING_LINES_H_
#define LP_TESTS_SUPPORT_RECYCLING_LINES_H_

#include <cstdio>
#include <regex>
#include <string>

#include "gtest/gtest.h"

namespace lp::testing {

// Expects `waiters` recycling lines in `output`, each with at most a quarter of its
// tensors fresh on either side, and prints them.
inline void ExpectTensorStorageReused(const std::string& output, int waiters) {
  const std::regex line(
      R"(recycling (waiter/[0-9]+) sender_fresh=([0-9]+) waiter_fresh=([0-9]+) of=([0-9]+))");
  int lines = 0;
  for (auto it = std::sregex_iterator(output.begin(), output.end(), line);
       it != std::sregex_iterator(); ++it, ++lines) {
    std::printf("%s\n", (*it)[0].str().c_str());  // the figures, for the log
    const int of = std::stoi((*it)[4].str());
    EXPECT_GE(of, 16) << (*it)[0].str();
    EXPECT_LE(std::stoi((*it)[2].str()), of / 4) << (*it)[0].str() << "\n" << output;
    EXPECT_LE(std::stoi((*it)[3].str()), of / 4) << (*it)[0].str() << "\n" << output;
  }
  EXPECT_EQ(lines, waiters) << output;
}

}  // namespace lp::testing

#endif  // LP_TESTS_SUPPORT_RECYCLING_LINES_H_
