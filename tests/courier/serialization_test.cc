// Round trips through lp::Encode / lp::Decode for every supported type, and the wire kinds
// they produce (which Python peers depend on).
#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lp/serialize.h"
#include "lp/serialized_object.h"

// A named namespace: LP_SERIALIZABLE must work next to a struct in any namespace.
namespace ser_test_geo {

struct Point {
  int x = 0;
  int y = 0;
  friend bool operator==(const Point&, const Point&) = default;
};
LP_SERIALIZABLE(Point, x, y);

struct Segment {
  Point from;
  Point to;
  std::string label;
  std::vector<Point> waypoints;
  friend bool operator==(const Segment&, const Segment&) = default;
};
LP_SERIALIZABLE(Segment, from, to, label, waypoints);

struct Outer {
  struct Inner {
    std::optional<double> weight;
    friend bool operator==(const Inner&, const Inner&) = default;
  };
};
LP_SERIALIZABLE(Outer::Inner, weight);

// More fields than the 16 the brief asks for.
struct Wide {
  int f0 = 0, f1 = 0, f2 = 0, f3 = 0, f4 = 0, f5 = 0, f6 = 0, f7 = 0, f8 = 0, f9 = 0;
  int f10 = 0, f11 = 0, f12 = 0, f13 = 0, f14 = 0, f15 = 0, f16 = 0, f17 = 0;
  friend bool operator==(const Wide&, const Wide&) = default;
};
LP_SERIALIZABLE(Wide, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15,
                f16, f17);

}  // namespace ser_test_geo

namespace {

using courier::SerializedObject;
using ser_test_geo::Outer;
using ser_test_geo::Point;
using ser_test_geo::Segment;
using ser_test_geo::Wide;

struct NotSerializable {};
struct HasBadField {
  NotSerializable bad;
};
LP_SERIALIZABLE(HasBadField, bad);

// What the traits say, checked at compile time (the RPC layer static_asserts on these).
static_assert(lp::Serializable<int>);
static_assert(lp::IsSerializable<std::vector<std::map<std::string, Point>>>::value);
static_assert(lp::Serializable<lp::Tensor>);
static_assert(!lp::Serializable<NotSerializable>);
static_assert(!lp::Serializable<std::vector<NotSerializable>>);
static_assert(!lp::Serializable<HasBadField>);
static_assert(!lp::Serializable<char>);
static_assert(lp::Encodable<std::string_view> && !lp::Decodable<std::string_view>);
static_assert(lp::Encodable<const char*> && !lp::Decodable<const char*>);

// Encodes, serializes to bytes, parses, and decodes both ways (copying and moving).
template <typename T>
T RoundTrip(const T& value) {
  std::string bytes = lp::Encode(value).SerializeAsString();
  absl::StatusOr<SerializedObject> parsed = lp::ParseSerializedObject(bytes);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  absl::StatusOr<T> copied = lp::DecodeAs<T>(*parsed);
  EXPECT_TRUE(copied.ok()) << copied.status();
  absl::StatusOr<T> moved = lp::DecodeAs<T>(&*parsed);
  EXPECT_TRUE(moved.ok()) << moved.status();
  EXPECT_TRUE(*copied == *moved);
  return *copied;
}

template <typename T>
void ExpectIntegerLimitsRoundTrip() {
  for (T v : {std::numeric_limits<T>::min(), T{0}, T{1}, std::numeric_limits<T>::max()}) {
    EXPECT_EQ(RoundTrip(v), v);
  }
}

TEST(SerializationTest, IntegersOfEveryWidthRoundTrip) {
  ExpectIntegerLimitsRoundTrip<int8_t>();
  ExpectIntegerLimitsRoundTrip<uint8_t>();
  ExpectIntegerLimitsRoundTrip<int16_t>();
  ExpectIntegerLimitsRoundTrip<uint16_t>();
  ExpectIntegerLimitsRoundTrip<int32_t>();
  ExpectIntegerLimitsRoundTrip<uint32_t>();
  ExpectIntegerLimitsRoundTrip<int64_t>();
  ExpectIntegerLimitsRoundTrip<uint64_t>();
  ExpectIntegerLimitsRoundTrip<long long>();
  ExpectIntegerLimitsRoundTrip<unsigned long>();
  EXPECT_EQ(lp::Encode(int16_t{-7}).int_value(), -7);
}

TEST(SerializationTest, Uint64AboveInt64MaxTravelsAsTwosComplement) {
  SerializedObject wire = lp::Encode(std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(wire.int_value(), -1);
  uint64_t big = (uint64_t{1} << 63) + 5;
  EXPECT_EQ(lp::Encode(big).int_value(), std::numeric_limits<int64_t>::min() + 5);
  EXPECT_EQ(RoundTrip(big), big);
}

TEST(SerializationTest, FloatingPointRoundTripsAndAcceptsInts) {
  EXPECT_EQ(RoundTrip(3.25), 3.25);
  EXPECT_EQ(RoundTrip(-1.5f), -1.5f);
  EXPECT_EQ(RoundTrip(std::numeric_limits<double>::infinity()),
            std::numeric_limits<double>::infinity());
  EXPECT_EQ(lp::Encode(2.5f).double_value(), 2.5);

  SerializedObject python_int;
  python_int.set_int_value(7);
  EXPECT_EQ(*lp::DecodeAs<double>(python_int), 7.0);
  EXPECT_EQ(*lp::DecodeAs<float>(python_int), 7.0f);
}

TEST(SerializationTest, BoolRoundTripsAsBool) {
  EXPECT_TRUE(lp::Encode(true).has_bool_value());
  EXPECT_EQ(RoundTrip(true), true);
  EXPECT_EQ(RoundTrip(false), false);
}

TEST(SerializationTest, StdStringIsBytesAndDecodesFromUnicodeToo) {
  std::string binary("a\0b\xff", 4);
  SerializedObject wire = lp::Encode(binary);
  ASSERT_TRUE(wire.has_string_value());
  EXPECT_EQ(wire.string_value(), binary);
  EXPECT_EQ(RoundTrip(binary), binary);

  SerializedObject python_str;
  python_str.set_unicode_value("h\xc3\xa9llo");
  EXPECT_EQ(*lp::DecodeAs<std::string>(python_str), "h\xc3\xa9llo");
}

TEST(SerializationTest, UnicodeWrapperIsSentAsUnicode) {
  SerializedObject wire = lp::Encode(lp::Unicode("text"));
  ASSERT_TRUE(wire.has_unicode_value());
  EXPECT_EQ(wire.unicode_value(), "text");
  EXPECT_EQ(RoundTrip(lp::Unicode("text")), lp::Unicode("text"));
  std::map<lp::Unicode, int> by_name{{"a", 1}, {"b", 2}};
  EXPECT_TRUE(lp::Encode(by_name).dict_value().keys(0).has_unicode_value());
  EXPECT_EQ(RoundTrip(by_name), by_name);
}

TEST(SerializationTest, StringViewAndLiteralsEncodeAsBytes) {
  std::string_view view = "view";
  EXPECT_EQ(lp::Encode(view).string_value(), "view");
  EXPECT_EQ(lp::Encode("literal").string_value(), "literal");
  const char* null_text = nullptr;
  EXPECT_TRUE(lp::Encode(null_text).has_none_value());
}

TEST(SerializationTest, SequencesRoundTrip) {
  std::vector<int> ints{1, -2, 3};
  SerializedObject wire = lp::Encode(ints);
  ASSERT_TRUE(wire.has_list_value());
  EXPECT_FALSE(wire.list_value().is_tuple());
  EXPECT_EQ(wire.list_value().items_size(), 3);
  EXPECT_EQ(RoundTrip(ints), ints);
  EXPECT_EQ(RoundTrip(std::vector<int>{}), std::vector<int>{});
  EXPECT_EQ(RoundTrip(std::vector<bool>{true, false, true}),
            (std::vector<bool>{true, false, true}));
  EXPECT_EQ(RoundTrip(std::array<double, 3>{1, 2, 3}), (std::array<double, 3>{1, 2, 3}));
  std::vector<std::vector<std::string>> nested{{"a"}, {}, {"b", "c"}};
  EXPECT_EQ(RoundTrip(nested), nested);
}

TEST(SerializationTest, VectorDecodeClearsPreviousContents) {
  std::vector<int> out{9, 9, 9, 9};
  ASSERT_TRUE(lp::Decode(lp::Encode(std::vector<int>{1}), &out).ok());
  EXPECT_EQ(out, std::vector<int>{1});
}

TEST(SerializationTest, PythonTupleDecodesIntoVectorAndListIntoTuple) {
  SerializedObject wire = lp::Encode(std::make_tuple(1, 2));
  EXPECT_TRUE(wire.list_value().is_tuple());
  EXPECT_EQ(*lp::DecodeAs<std::vector<int>>(wire), (std::vector<int>{1, 2}));

  SerializedObject list = lp::Encode(std::vector<int>{3, 4});
  EXPECT_EQ((*lp::DecodeAs<std::pair<int, int>>(list)), std::make_pair(3, 4));
}

TEST(SerializationTest, TuplesAndPairsAreTuples) {
  std::tuple<int, std::string, bool> t{1, "two", true};
  SerializedObject wire = lp::Encode(t);
  ASSERT_TRUE(wire.list_value().is_tuple());
  EXPECT_EQ(RoundTrip(t), t);
  std::pair<std::string, double> p{"pi", 3.14};
  EXPECT_TRUE(lp::Encode(p).list_value().is_tuple());
  EXPECT_EQ(RoundTrip(p), p);
  EXPECT_EQ(RoundTrip(std::tuple<>{}), std::tuple<>{});
}

TEST(SerializationTest, MapsAreDicts) {
  std::map<std::string, int> ordered{{"b", 2}, {"a", 1}};
  SerializedObject wire = lp::Encode(ordered);
  ASSERT_TRUE(wire.has_dict_value());
  EXPECT_EQ(wire.dict_value().keys(0).string_value(), "a");  // key order
  EXPECT_EQ(wire.dict_value().values(1).int_value(), 2);
  EXPECT_EQ(RoundTrip(ordered), ordered);

  std::unordered_map<int64_t, std::vector<double>> by_id{{7, {1.0}}, {-3, {}}};
  EXPECT_EQ(RoundTrip(by_id), by_id);
  std::map<std::tuple<int, int>, std::string> by_pair{{{1, 2}, "x"}};
  EXPECT_EQ(RoundTrip(by_pair), by_pair);
}

TEST(SerializationTest, OptionalIsValueOrNone) {
  EXPECT_TRUE(lp::Encode(std::optional<int>()).has_none_value());
  EXPECT_EQ(lp::Encode(std::optional<int>(5)).int_value(), 5);
  EXPECT_EQ(RoundTrip(std::optional<int>()), std::nullopt);
  EXPECT_EQ(RoundTrip(std::optional<std::string>("s")), "s");
  EXPECT_TRUE(lp::Encode(std::monostate()).has_none_value());
  EXPECT_TRUE(lp::DecodeAs<std::monostate>(lp::Encode(std::monostate())).ok());
}

TEST(SerializationTest, StructIsDictOfUnicodeFieldNames) {
  SerializedObject wire = lp::Encode(Point{3, 4});
  ASSERT_TRUE(wire.has_dict_value());
  const courier::SerializedDict& dict = wire.dict_value();
  ASSERT_EQ(dict.keys_size(), 2);
  EXPECT_EQ(dict.keys(0).unicode_value(), "x");
  EXPECT_EQ(dict.keys(1).unicode_value(), "y");
  EXPECT_EQ(dict.values(0).int_value(), 3);
  EXPECT_EQ(dict.values(1).int_value(), 4);
  EXPECT_EQ(RoundTrip(Point{3, 4}), (Point{3, 4}));
}

TEST(SerializationTest, StructDecodesFromBytesKeysInAnyOrder) {
  // As a Python peer might build it: {b"y": 2, "x": 1}.
  SerializedObject wire;
  courier::SerializedDict* dict = wire.mutable_dict_value();
  dict->add_keys()->set_string_value("y");
  dict->add_values()->set_int_value(2);
  dict->add_keys()->set_unicode_value("x");
  dict->add_values()->set_int_value(1);
  EXPECT_EQ(*lp::DecodeAs<Point>(wire), (Point{1, 2}));
}

TEST(SerializationTest, NestedStructsWideStructsAndNestedTypes) {
  Segment s{{1, 2}, {3, 4}, "road", {{5, 6}, {7, 8}}};
  EXPECT_EQ(RoundTrip(s), s);
  EXPECT_EQ(RoundTrip(std::vector<Segment>{s, {}}), (std::vector<Segment>{s, {}}));
  Wide w;
  w.f0 = 1;
  w.f17 = 18;
  EXPECT_EQ(lp::Encode(w).dict_value().keys_size(), 18);
  EXPECT_EQ(lp::Encode(w).dict_value().keys(17).unicode_value(), "f17");
  EXPECT_EQ(RoundTrip(w), w);
  EXPECT_EQ(RoundTrip(Outer::Inner{2.5}), Outer::Inner{2.5});
  EXPECT_EQ(RoundTrip(Outer::Inner{}), Outer::Inner{});
}

TEST(SerializationTest, DeeplyNestedCombination) {
  using Entry = std::tuple<int, std::optional<double>, Point>;
  std::vector<std::map<std::string, Entry>> value{
      {{"a", {1, 0.5, {1, 2}}}, {"b", {2, std::nullopt, {3, 4}}}},
      {},
      {{"c", {-1, 1e300, {0, 0}}}}};
  EXPECT_EQ(RoundTrip(value), value);

  std::map<int, std::vector<std::pair<lp::Unicode, std::array<bool, 2>>>> other{
      {1, {{"x", {true, false}}}}, {2, {}}};
  EXPECT_EQ(RoundTrip(other), other);
}

TEST(SerializationTest, EncodeReplacesPreviousContents) {
  SerializedObject wire = lp::Encode(std::vector<int>{1, 2});
  lp::Encode(5, &wire);
  EXPECT_EQ(wire.payload_case(), SerializedObject::kIntValue);
  lp::Encode(std::vector<int>{3}, &wire);
  EXPECT_EQ(wire.list_value().items_size(), 1);
}

TEST(SerializationTest, StringMovePathsDoNotCopy) {
  std::string big(1 << 16, 'z');
  const char* buffer = big.data();
  SerializedObject wire;
  lp::Encode(std::move(big), &wire);
  EXPECT_EQ(wire.string_value().data(), buffer);

  std::string out;
  ASSERT_TRUE(lp::Decode(&wire, &out).ok());
  EXPECT_EQ(out.data(), buffer);
  EXPECT_EQ(out.size(), size_t{1} << 16);
}

TEST(SerializationTest, NestedStringsMoveThroughContainersAndStructs) {
  std::vector<std::string> strings{std::string(1000, 'a'), std::string(1000, 'b')};
  const char* second = strings[1].data();
  SerializedObject wire;
  lp::Encode(std::move(strings), &wire);
  EXPECT_EQ(wire.list_value().items(1).string_value().data(), second);

  absl::StatusOr<std::vector<std::string>> back = lp::DecodeAs<std::vector<std::string>>(&wire);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)[1].data(), second);

  // A const proto is copied from, never modified.
  const SerializedObject kept = lp::Encode(std::vector<std::string>{std::string(100, 'c')});
  ASSERT_TRUE(lp::DecodeAs<std::vector<std::string>>(kept).ok());
  EXPECT_EQ(kept.list_value().items(0).string_value().size(), 100u);
}

}  // namespace
