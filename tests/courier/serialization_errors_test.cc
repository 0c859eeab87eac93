// Every decode error: the exact message, including the path to the offending value.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "lp/serialize.h"
#include "lp/serialized_object.h"

namespace ser_errors_test {

struct Point {
  int x = 0;
  int y = 0;
};
LP_SERIALIZABLE(Point, x, y);

}  // namespace ser_errors_test

namespace {

using courier::SerializedObject;
using ser_errors_test::Point;

// The message of decoding `wire` as T under `path`; "OK" if it decoded.
template <typename T>
std::string DecodeError(const SerializedObject& wire, std::string_view path = "") {
  T out{};
  absl::Status status = lp::Decode(wire, &out, path);
  if (status.ok()) return "OK";
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  return std::string(status.message());
}

SerializedObject Int(int64_t v) {
  SerializedObject o;
  o.set_int_value(v);
  return o;
}

TEST(SerializationErrorsTest, PathThroughListAndStructField) {
  // Element 3 of arg 1 has a string where Point.y wants an int.
  SerializedObject wire = lp::Encode(std::vector<Point>(4));
  courier::SerializedDict* dict = wire.mutable_list_value()->mutable_items(3)->mutable_dict_value();
  dict->mutable_values(1)->set_unicode_value("oops");
  EXPECT_EQ(DecodeError<std::vector<Point>>(wire, "arg 1"),
            "arg 1 \u2192 [3] \u2192 \"y\": expected int, got unicode");
}

TEST(SerializationErrorsTest, PathThroughDictValuesAndKeys) {
  SerializedObject wire = lp::Encode(std::map<std::string, std::vector<int>>{{"k", {1, 2}}});
  wire.mutable_dict_value()->mutable_values(0)->mutable_list_value()->mutable_items(1)->set_double_value(2.5);
  EXPECT_EQ((DecodeError<std::map<std::string, std::vector<int>>>(wire, "result")),
            "result \u2192 [\"k\"] \u2192 [1]: expected int, got double");

  SerializedObject by_int = lp::Encode(std::map<int, bool>{{7, true}});
  by_int.mutable_dict_value()->mutable_values(0)->set_int_value(1);
  EXPECT_EQ((DecodeError<std::map<int, bool>>(by_int)),
            "[7]: expected bool, got int (ints are not converted to bool)");

  EXPECT_EQ((DecodeError<std::map<int, bool>>(lp::Encode(std::map<std::string, bool>{{"a", true}}),
                                              "arg 0")),
            "arg 0 \u2192 key #0: expected int, got string");
}

TEST(SerializationErrorsTest, KindNamesForEveryKind) {
  SerializedObject tuple = lp::Encode(std::make_tuple(1));
  SerializedObject none = lp::Encode(std::optional<int>());
  SerializedObject tensor = lp::Encode(lp::Tensor());
  SerializedObject empty;
  EXPECT_EQ(DecodeError<int>(lp::Encode(1.5)), "expected int, got double");
  EXPECT_EQ(DecodeError<int>(lp::Encode("s")), "expected int, got string");
  EXPECT_EQ(DecodeError<int>(lp::Encode(lp::Unicode("s"))), "expected int, got unicode");
  EXPECT_EQ(DecodeError<int>(lp::Encode(std::vector<int>())), "expected int, got list");
  EXPECT_EQ(DecodeError<int>(tuple), "expected int, got tuple");
  EXPECT_EQ(DecodeError<int>(lp::Encode(std::map<int, int>{})), "expected int, got dict");
  EXPECT_EQ(DecodeError<int>(none), "expected int, got none");
  EXPECT_EQ(DecodeError<int>(tensor), "expected int, got tensor");
  EXPECT_EQ(DecodeError<int>(empty), "expected int, got empty (no value set)");
  EXPECT_EQ(DecodeError<int>(lp::Encode(true)), "expected int, got bool (bools are not converted to int)");
  EXPECT_EQ(DecodeError<double>(lp::Encode(true)),
            "expected double, got bool (bools are not converted to numbers)");
  EXPECT_EQ(DecodeError<std::string>(Int(1)), "expected string or unicode, got int");
  EXPECT_EQ(DecodeError<std::vector<int>>(Int(1)), "expected list, got int");
  EXPECT_EQ((DecodeError<std::map<int, int>>(Int(1))), "expected dict, got int");
  EXPECT_EQ(DecodeError<Point>(Int(1), "arg 2"), "arg 2: expected dict (struct Point), got int");
  EXPECT_EQ(DecodeError<lp::Tensor>(Int(1)), "expected tensor, got int");
  EXPECT_EQ(DecodeError<std::monostate>(Int(1)), "expected none, got int");
  EXPECT_EQ((DecodeError<std::pair<int, int>>(Int(1))), "expected tuple, got int");
}

// For each width: min and max decode, one beyond either end is rejected with the value.
template <typename T>
void ExpectRangeChecked(const std::string& name) {
  using L = std::numeric_limits<T>;
  EXPECT_EQ(DecodeError<T>(Int(static_cast<int64_t>(L::min()))), "OK") << name;
  EXPECT_EQ(DecodeError<T>(Int(static_cast<int64_t>(L::max()))), "OK") << name;
  std::string range = " is out of range for " + name + " [" + std::to_string(L::min()) + ", " +
                      std::to_string(L::max()) + "]";
  int64_t below = static_cast<int64_t>(L::min()) - 1;
  int64_t above = static_cast<int64_t>(L::max()) + 1;
  EXPECT_EQ(DecodeError<T>(Int(below), "arg 0"), "arg 0: int value " + std::to_string(below) + range);
  EXPECT_EQ(DecodeError<T>(Int(above)), "int value " + std::to_string(above) + range);
}

TEST(SerializationErrorsTest, IntegerRangeAtEveryWidthBoundary) {
  ExpectRangeChecked<int8_t>("int8");
  ExpectRangeChecked<uint8_t>("uint8");
  ExpectRangeChecked<int16_t>("int16");
  ExpectRangeChecked<uint16_t>("uint16");
  ExpectRangeChecked<int32_t>("int32");
  ExpectRangeChecked<uint32_t>("uint32");
  // int64 takes every int_value; uint64 reinterprets negatives (documented two's complement).
  EXPECT_EQ(DecodeError<int64_t>(Int(INT64_MIN)), "OK");
  EXPECT_EQ(*lp::DecodeAs<uint64_t>(Int(-1)), UINT64_MAX);
  // A narrow type nested somewhere still reports its path.
  EXPECT_EQ(DecodeError<std::vector<uint8_t>>(lp::Encode(std::vector<int>{1, 256}), "arg 3"),
            "arg 3 \u2192 [1]: int value 256 is out of range for uint8 [0, 255]");
}

TEST(SerializationErrorsTest, FloatRange) {
  EXPECT_EQ(DecodeError<float>(lp::Encode(1e39)), "double value 1e+39 is out of range for float");
  EXPECT_EQ(DecodeError<float>(lp::Encode(-1e39)), "double value -1e+39 is out of range for float");
  EXPECT_EQ(DecodeError<float>(lp::Encode(std::numeric_limits<double>::infinity())), "OK");
}

TEST(SerializationErrorsTest, LengthsAndArities) {
  EXPECT_EQ((DecodeError<std::array<int, 2>>(lp::Encode(std::vector<int>{1, 2, 3}))),
            "expected list of 2 items, got list of 3 items");
  EXPECT_EQ((DecodeError<std::tuple<int, int>>(lp::Encode(std::vector<int>{1, 2, 3}), "arg 0")),
            "arg 0: expected tuple of 2 items, got list of 3 items");
  EXPECT_EQ((DecodeError<std::pair<int, std::string>>(lp::Encode(std::make_tuple(1, 2)))),
            "[1]: expected string or unicode, got int");
}

TEST(SerializationErrorsTest, MalformedAndDuplicateDicts) {
  SerializedObject wire = lp::Encode(std::map<int, int>{{1, 1}});
  wire.mutable_dict_value()->add_keys()->set_int_value(2);
  EXPECT_EQ((DecodeError<std::map<int, int>>(wire)), "malformed dict: 2 keys but 1 values");
  EXPECT_EQ(DecodeError<Point>(wire), "malformed dict: 2 keys but 1 values");

  wire.mutable_dict_value()->add_values()->set_int_value(3);
  wire.mutable_dict_value()->mutable_keys(1)->set_int_value(1);
  EXPECT_EQ((DecodeError<std::map<int, int>>(wire, "arg 0")), "arg 0 \u2192 [1]: duplicate dict key");
}

TEST(SerializationErrorsTest, StructFieldsMissingUnknownDuplicateOrNotText) {
  SerializedObject missing = lp::Encode(std::map<lp::Unicode, int>{{"x", 1}});
  EXPECT_EQ(DecodeError<Point>(missing, "arg 0"), "arg 0: missing field \"y\" for Point");

  SerializedObject extra = lp::Encode(std::map<lp::Unicode, int>{{"x", 1}, {"y", 2}, {"z", 3}});
  EXPECT_EQ(DecodeError<Point>(extra), "unknown field \"z\" for Point (fields: x, y)");

  SerializedObject twice = lp::Encode(Point{1, 2});
  twice.mutable_dict_value()->add_keys()->set_string_value("x");
  twice.mutable_dict_value()->add_values()->set_int_value(3);
  EXPECT_EQ(DecodeError<Point>(twice), "duplicate field \"x\" for Point");

  SerializedObject int_key = lp::Encode(std::map<int, int>{{1, 1}});
  EXPECT_EQ(DecodeError<Point>(int_key, "result"),
            "result \u2192 key #0: expected field name of Point (unicode), got int");
}

TEST(SerializationErrorsTest, OptionalReportsInnerMismatch) {
  EXPECT_EQ(DecodeError<std::optional<int>>(lp::Encode("s"), "arg 0"),
            "arg 0: expected int, got string");
}

TEST(SerializationErrorsTest, DictKeysAreEscapedAndShortenedInPaths) {
  std::string long_key = std::string(50, 'k') + "\n";
  SerializedObject wire = lp::Encode(std::map<std::string, int>{{long_key, 1}});
  wire.mutable_dict_value()->mutable_values(0)->set_bool_value(true);
  EXPECT_EQ((DecodeError<std::map<std::string, int>>(wire)),
            "[\"" + std::string(40, 'k') + "...\"]: expected int, got bool (bools are not converted to int)");
}

}  // namespace
