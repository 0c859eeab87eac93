// Replays every checked-in input of the fuzz targets through the same checks, in the
// normal build: the seed corpora (tests/fuzz/corpus/) and the inputs that once failed a
// check or crashed (tests/fuzz/regressions/, one file per finding, named after it). A
// regression aborts or fails here as it did in the fuzzer.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/fuzz/decode_checks.h"
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

TEST(FuzzRegressionTest, DecoderSeedsAndFindingsPassTheChecks) {
  const std::vector<std::filesystem::path> seeds = Inputs("corpus", "decoder");
  EXPECT_GE(seeds.size(), 5u) << "the decoder's seed corpus is missing";
  for (const auto& file : seeds) EXPECT_EQ(CheckDecoder(Contents(file)), "") << file;
  for (const auto& file : Inputs("regressions", "decoder")) {
    EXPECT_EQ(CheckDecoder(Contents(file)), "") << file;
  }
}

TEST(FuzzRegressionTest, RequestSeedsAndFindingsPassTheChecks) {
  const std::vector<std::filesystem::path> seeds = Inputs("corpus", "request");
  EXPECT_GE(seeds.size(), 5u) << "the request target's seed corpus is missing";
  for (const auto& file : seeds) EXPECT_EQ(CheckRequest(Contents(file)), "") << file;
  for (const auto& file : Inputs("regressions", "request")) {
    EXPECT_EQ(CheckRequest(Contents(file)), "") << file;
  }
}

}  // namespace
}  // namespace lp::fuzz
