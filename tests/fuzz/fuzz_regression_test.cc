// Replays every checked-in input of the fuzz targets through the same checks, in the
// normal build: the seed corpora (tests/fuzz/corpus/) and the inputs that once failed a
// check or crashed (tests/fuzz/regressions/, one file per finding, named after it). A
// regression aborts or fails here as it did in the fuzzer.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "tests/fuzz/decode_checks.h"
#include "tests/fuzz/reply_checks.h"
#include "tests/fuzz/request_checks.h"

namespace lp::fuzz {
namespace {

// Every file under tests/fuzz/<kind>/<target>/, sorted.
std::vector<std::filesystem::path> Inputs(const std::string& kind, const std::string& target) {
  std::vector<std::filesystem::path> files;
  const std::filesystem::path dir = std::filesystem::path(LP_FUZZ_DATA_DIR) / kind / target;
  if (!std::filesystem::exists(dir)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string Contents(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Every seed of `target` and every finding kept for it passes `check`.
void ExpectInputsPass(const std::string& target, std::string (*check)(std::string_view)) {
  EXPECT_GE(Inputs("corpus", target).size(), 5u)
      << "the seed corpus of " << target << " is missing";
  for (const char* kind : {"corpus", "regressions"}) {
    for (const auto& file : Inputs(kind, target)) EXPECT_EQ(check(Contents(file)), "") << file;
  }
}

TEST(FuzzRegressionTest, DecoderSeedsAndFindingsPassTheChecks) {
  ExpectInputsPass("decoder", CheckDecoder);
}

TEST(FuzzRegressionTest, RequestSeedsAndFindingsPassTheChecks) {
  ExpectInputsPass("request", CheckRequest);
}

TEST(FuzzRegressionTest, ReplySeedsAndFindingsPassTheChecks) {
  ExpectInputsPass("reply", CheckReply);
}

}  // namespace
}  // namespace lp::fuzz
