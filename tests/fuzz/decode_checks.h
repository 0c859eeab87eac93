#ifndef LP_TESTS_FUZZ_DECODE_CHECKS_H_
#define LP_TESTS_FUZZ_DECODE_CHECKS_H_

// What must hold when arbitrary bytes reach the SerializedObject decoder, written once for
// the libFuzzer target (fuzz_target.cc, built as decoder_fuzzer), the replay of its inputs
// (fuzz_regression_test.cc) and the random-mutation gtest
// (tests/courier/serialization_fuzz_test.cc). A check returns "" when everything held,
// else what did not: the caller fails (a test) or aborts (a fuzzer) with it.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "courier/courier.pb.h"
#include "lp/serialize.h"

namespace lp::fuzz {

// Types with a bit of everything: structs, lists, dicts, optionals, tensors, tuples,
// narrow integers.
struct Point {
  int32_t x = 0;
  uint8_t y = 0;
};
LP_SERIALIZABLE(Point, x, y);

struct Record {
  std::string name;
  std::vector<Point> points;
  std::map<int64_t, std::optional<double>> scores;
  lp::Tensor weights;
  std::tuple<bool, lp::Unicode, std::array<int16_t, 2>> extra;
};
LP_SERIALIZABLE(Record, name, points, scores, weights, extra);

// A Record with every field set.
Record SampleRecord();

// Decodes `wire` into many C++ types (Record, Point, Tensor, strings, containers), both
// copying and moving out of it. Each decode either fails with INVALID_ARGUMENT, the same
// way both times, or gives a value that survives Encode → Decode → Encode unchanged.
std::string CheckDecodesAsManyTypes(const courier::SerializedObject& wire);

// Parses `bytes` as a SerializedObject (lp::ParseSerializedObject) and, when that works,
// CheckDecodesAsManyTypes. A parse failure must be INVALID_ARGUMENT with a message.
std::string CheckDecoder(std::string_view bytes);

}  // namespace lp::fuzz

#endif  // LP_TESTS_FUZZ_DECODE_CHECKS_H_
