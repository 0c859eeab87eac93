// Corrupted and truncated bytes: thousands of mutations of encoded nested values are parsed
// and decoded into many C++ types. Each attempt must return an error or a value that
// re-encodes stably; none may crash (this file is also run under ASan/UBSan). The
// libFuzzer target tests/fuzz/decoder_fuzzer does the same with coverage guidance.
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "lp/serialize.h"
#include "lp/serialized_object.h"
#include "tests/fuzz/decode_checks.h"

namespace {

using courier::SerializedObject;
using lp::fuzz::Record;
using lp::fuzz::SampleRecord;

// Decodes `wire` into many C++ types; what must hold is tests/fuzz/decode_checks.h's, which
// the libFuzzer target (tests/fuzz) checks too.
void DecodeAsManyTypes(const SerializedObject& wire) {
  ASSERT_EQ(lp::fuzz::CheckDecodesAsManyTypes(wire), "");
}

// One random corruption: flip bits, truncate, overwrite, insert or delete bytes.
std::string Mutate(std::string bytes, std::mt19937& rng) {
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n)(rng); };
  switch (pick(4)) {
    case 0:
      for (size_t flips = 1 + pick(3); flips > 0 && !bytes.empty(); --flips) {
        bytes[pick(bytes.size() - 1)] ^= static_cast<char>(1 << pick(7));
      }
      break;
    case 1:
      bytes.resize(pick(bytes.size()));
      break;
    case 2:
      if (!bytes.empty()) bytes[pick(bytes.size() - 1)] = static_cast<char>(pick(255));
      break;
    case 3:
      bytes.insert(pick(bytes.size()), 1 + pick(3), static_cast<char>(pick(255)));
      break;
    default:
      if (!bytes.empty()) bytes.erase(pick(bytes.size() - 1), 1 + pick(3));
      break;
  }
  return bytes;
}

TEST(SerializationFuzzTest, CorruptedNestedValuesNeverCrash) {
  const std::vector<std::string> seeds = {
      lp::Encode(SampleRecord()).SerializeAsString(),
      lp::Encode(std::vector<Record>{SampleRecord(), Record{}}).SerializeAsString(),
      lp::Encode(std::map<std::string, lp::Tensor>{
                     {"a", lp::Tensor(std::vector<bool>{true, false})},
                     {"b", lp::Tensor(lp::DType::kInt64, {3, 2})}})
          .SerializeAsString(),
  };
  std::mt19937 rng(20240601);
  int parsed = 0, decoded_some = 0;
  constexpr int kIterations = 20000;
  for (int i = 0; i < kIterations; ++i) {
    std::string bytes = seeds[static_cast<size_t>(i) % seeds.size()];
    // Sometimes stack several mutations.
    for (int m = 1 + i % 3; m > 0; --m) bytes = Mutate(std::move(bytes), rng);
    absl::StatusOr<SerializedObject> wire = lp::ParseSerializedObject(bytes);
    if (!wire.ok()) {
      ASSERT_EQ(wire.status().code(), absl::StatusCode::kInvalidArgument);
      continue;
    }
    ++parsed;
    if (lp::DecodeAs<Record>(*wire).ok() || lp::DecodeAs<std::vector<Record>>(*wire).ok()) {
      ++decoded_some;
    }
    DecodeAsManyTypes(*wire);
    if (HasFatalFailure()) FAIL() << "at iteration " << i;
  }
  // The corpus exercises both the parser's rejections and the decoders' checks.
  EXPECT_GT(parsed, kIterations / 25);  // about 6% of mutants still parse
  EXPECT_LT(parsed, kIterations);
  EXPECT_GT(decoded_some, 0);
}

TEST(SerializationFuzzTest, RandomBytesNeverCrash) {
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string bytes(std::uniform_int_distribution<size_t>(0, 64)(rng), '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    absl::StatusOr<SerializedObject> wire = lp::ParseSerializedObject(bytes);
    if (wire.ok()) DecodeAsManyTypes(*wire);
    if (HasFatalFailure()) FAIL() << "at iteration " << i;
  }
}

// Builds `depth` lists nested inside each other, around an int.
SerializedObject NestedLists(int depth) {
  SerializedObject root;
  SerializedObject* current = &root;
  for (int i = 0; i < depth; ++i) current = current->mutable_list_value()->add_items();
  current->set_int_value(1);
  return root;
}

TEST(SerializationFuzzTest, NestingDepthIsLimitedByTheParser) {
  EXPECT_TRUE(lp::ParseSerializedObject(NestedLists(40).SerializeAsString()).ok());
  absl::StatusOr<SerializedObject> deep =
      lp::ParseSerializedObject(NestedLists(5000).SerializeAsString());
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(deep.status().message().find("corrupted or truncated"), absl::string_view::npos);

  // Decoding follows the C++ type, so deep data only meets a type mismatch.
  absl::StatusOr<std::vector<std::vector<int>>> shallow =
      lp::DecodeAs<std::vector<std::vector<int>>>(NestedLists(40));
  ASSERT_FALSE(shallow.ok());
  EXPECT_EQ(shallow.status().message(), "[0] \u2192 [0]: expected int, got list");
}

TEST(SerializationFuzzTest, TruncationAtEveryLengthIsHandled) {
  std::string bytes = lp::Encode(SampleRecord()).SerializeAsString();
  for (size_t n = 0; n < bytes.size(); ++n) {
    absl::StatusOr<SerializedObject> wire = lp::ParseSerializedObject(bytes.substr(0, n));
    if (wire.ok()) DecodeAsManyTypes(*wire);
    if (HasFatalFailure()) FAIL() << "at length " << n;
  }
  absl::StatusOr<SerializedObject> whole = lp::ParseSerializedObject(bytes);
  ASSERT_TRUE(whole.ok());
  EXPECT_TRUE(lp::DecodeAs<Record>(*whole).ok());
}

}  // namespace
