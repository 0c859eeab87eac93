// The typed Courier layer carries every supported type, and nestings of them, through a
// real CourierNode: each value goes to the server as an argument and comes back as a
// result, through the typed Call, Async and the dynamic Call<R>("Name", ...).

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lp/lp.h"

namespace lp {
namespace {

using ::testing::ElementsAre;

const LaunchOptions kTestMt{.launch_type = LaunchType::kTestMt};

struct Point {
  int32_t x = 0;
  double y = 0;
  std::string label;
  friend bool operator==(const Point&, const Point&) = default;
};
LP_SERIALIZABLE(Point, x, y, label);

struct Shape {
  Unicode name;
  std::vector<Point> points;
  std::optional<Point> center;
  std::map<std::string, Tensor> attributes;
  std::tuple<int, bool> flags;
  friend bool operator==(const Shape&, const Shape&) = default;
};
LP_SERIALIZABLE(Shape, name, points, center, attributes, flags);

using Nested = std::map<std::string, std::vector<std::optional<std::tuple<int, std::string>>>>;

// Echoes (to prove the round trip both ways) and a few methods that compute (to prove
// the server saw the values, not just bytes). Parameters by value, by const& and const
// methods are all mixed in on purpose.
class Types {
 public:
  int8_t Int8(int8_t v) { return v; }
  int16_t Int16(const int16_t& v) { return v; }
  int32_t Int32(int32_t v) const { return v; }
  int64_t Int64(const int64_t& v) const { return v; }
  uint8_t UInt8(uint8_t v) { return v; }
  uint16_t UInt16(uint16_t v) { return v; }
  uint32_t UInt32(uint32_t v) { return v; }
  uint64_t UInt64(uint64_t v) const { return v; }
  float Float(float v) { return v; }
  double Double(const double& v) const { return v; }
  bool Not(bool v) const { return !v; }
  std::string Reverse(const std::string& s) const { return std::string(s.rbegin(), s.rend()); }
  Unicode Greet(Unicode name) { return Unicode("héllo " + name.text); }
  std::vector<int> Sorted(std::vector<int> v) {
    std::sort(v.begin(), v.end());
    return v;
  }
  std::array<double, 3> Array(const std::array<double, 3>& a) { return a; }
  std::pair<int, std::string> Pair(std::pair<int, std::string> p) { return p; }
  std::tuple<int, double, std::string, bool> Tuple(const std::tuple<int, double, std::string, bool>& t) {
    return t;
  }
  std::map<std::string, int> Map(std::map<std::string, int> m) { return m; }
  std::unordered_map<int, std::string> UnorderedMap(const std::unordered_map<int, std::string>& m) {
    return m;
  }
  std::optional<int> Optional(std::optional<int> v) { return v; }
  Tensor TensorEcho(Tensor t) { return t; }
  // Multiplies a float32 tensor by `factor`.
  Tensor Scale(const Tensor& t, float factor) const {
    Tensor out = t;
    for (float& v : out.span<float>()) v *= factor;
    return out;
  }
  Point MovePoint(Point p, int dx) {
    p.x += dx;
    return p;
  }
  Shape ShapeEcho(const Shape& s) { return s; }
  Nested NestedEcho(Nested n) { return n; }
  std::vector<std::map<int, Tensor>> TensorsInMaps(std::vector<std::map<int, Tensor>> v) { return v; }
  std::optional<std::vector<Point>> OptionalPoints(std::optional<std::vector<Point>> v) { return v; }
  double Sum(int8_t a, const int64_t& b, double c, uint32_t d) const { return a + b + c + d; }
  std::string NoArguments() const { return "nothing in"; }
  void Record(const std::string& s) {
    std::lock_guard lock(mu_);
    records_.push_back(s);
  }
  void Clear() {
    std::lock_guard lock(mu_);
    records_.clear();
  }
  std::vector<std::string> Records() const {
    std::lock_guard lock(mu_);
    return records_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> records_;
};
LP_COURIER_METHODS(Types, Int8, Int16, Int32, Int64, UInt8, UInt16, UInt32, UInt64, Float, Double,
                   Not, Reverse, Greet, Sorted, Array, Pair, Tuple, Map, UnorderedMap, Optional,
                   TensorEcho, Scale, MovePoint, ShapeEcho, NestedEcho, TensorsInMaps,
                   OptionalPoints, Sum, NoArguments, Record, Clear, Records);

// A launched program serving one CourierNode<T>, and a client of it (made in the test's
// own thread through the handle). The client goes first, then the program stops.
template <typename T>
struct Served {
  Controller controller;
  CourierClient<T> client;
};

template <typename T, typename... Args>
Served<T> Serve(Args&&... args) {
  Program program("courier_types_test");
  CourierHandle<T> handle = program.AddNode(CourierNode<T>(std::forward<Args>(args)...), "server");
  Controller controller = Launch(std::move(program), kTestMt);
  // Generous: a loaded machine may be slow to start the node, never this slow.
  CourierClient<T> client = handle.Dereference().WithTimeout(absl::Seconds(60));
  return {std::move(controller), std::move(client)};
}

TEST(CourierTypesTest, Integers) {
  auto [controller, c] = Serve<Types>();
  EXPECT_EQ(c.Call(&Types::Int8, int8_t{-128}), -128);
  EXPECT_EQ(c.Call(&Types::Int8, int8_t{127}), 127);
  EXPECT_EQ(c.Call(&Types::Int16, int16_t{-32768}), -32768);
  EXPECT_EQ(c.Call(&Types::Int32, std::numeric_limits<int32_t>::min()),
            std::numeric_limits<int32_t>::min());
  EXPECT_EQ(c.Call(&Types::Int64, std::numeric_limits<int64_t>::min()),
            std::numeric_limits<int64_t>::min());
  EXPECT_EQ(c.Call(&Types::Int64, std::numeric_limits<int64_t>::max()),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(c.Call(&Types::UInt8, uint8_t{255}), 255);
  EXPECT_EQ(c.Call(&Types::UInt16, uint16_t{65535}), 65535);
  EXPECT_EQ(c.Call(&Types::UInt32, std::numeric_limits<uint32_t>::max()),
            std::numeric_limits<uint32_t>::max());
  // Above INT64_MAX: travels as two's complement and comes back intact.
  EXPECT_EQ(c.Call(&Types::UInt64, std::numeric_limits<uint64_t>::max()),
            std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(c.Call(&Types::UInt64, uint64_t{1} << 63), uint64_t{1} << 63);
  // An int literal converts to the parameter type on the client (typed call).
  EXPECT_EQ(c.Call(&Types::Int8, 5), 5);
  EXPECT_EQ(c.Call(&Types::UInt64, 7), 7u);
}

TEST(CourierTypesTest, FloatingPointAndBool) {
  auto [controller, c] = Serve<Types>();
  EXPECT_EQ(c.Call(&Types::Float, 1.5f), 1.5f);
  EXPECT_EQ(c.Call(&Types::Float, std::numeric_limits<float>::max()),
            std::numeric_limits<float>::max());
  EXPECT_EQ(c.Call(&Types::Double, -0.1), -0.1);
  EXPECT_EQ(c.Call(&Types::Double, std::numeric_limits<double>::denorm_min()),
            std::numeric_limits<double>::denorm_min());
  EXPECT_TRUE(std::isinf(c.Call(&Types::Double, std::numeric_limits<double>::infinity())));
  EXPECT_TRUE(std::isnan(c.Call(&Types::Double, std::numeric_limits<double>::quiet_NaN())));
  EXPECT_FALSE(c.Call(&Types::Not, true));
  EXPECT_TRUE(c.Call(&Types::Not, false));
}

TEST(CourierTypesTest, Strings) {
  auto [controller, c] = Serve<Types>();
  EXPECT_EQ(c.Call(&Types::Reverse, "abc"), "cba");  // const char* to std::string
  EXPECT_EQ(c.Call(&Types::Reverse, std::string()), "");
  const std::string binary("\0\xff\x01zero\0", 8);  // bytes, not text: NULs and non-UTF-8
  EXPECT_EQ(c.Call(&Types::Reverse, binary), std::string(binary.rbegin(), binary.rend()));
  EXPECT_EQ(c.Call(&Types::Reverse, std::string(1 << 20, 'x')), std::string(1 << 20, 'x'));
  EXPECT_EQ(c.Call(&Types::Greet, Unicode("wörld")).text, "héllo wörld");
  // std::string decodes from unicode too (a Python str), and Unicode from a std::string.
  EXPECT_EQ(c.Call<std::string>("Greet", std::string("x")), "héllo x");
  EXPECT_EQ(c.Call<std::string>("Reverse", Unicode("ab")), "ba");
}

TEST(CourierTypesTest, Containers) {
  auto [controller, c] = Serve<Types>();
  EXPECT_THAT(c.Call(&Types::Sorted, std::vector<int>{3, 1, 2}), ElementsAre(1, 2, 3));
  EXPECT_TRUE(c.Call(&Types::Sorted, std::vector<int>{}).empty());
  EXPECT_EQ(c.Call(&Types::Array, std::array<double, 3>{1.5, -2, 3}),
            (std::array<double, 3>{1.5, -2, 3}));
  EXPECT_EQ(c.Call(&Types::Pair, std::pair<int, std::string>(4, "four")),
            (std::pair<int, std::string>(4, "four")));
  const std::tuple<int, double, std::string, bool> tuple(1, 2.5, "three", true);
  EXPECT_EQ(c.Call(&Types::Tuple, tuple), tuple);
  const std::map<std::string, int> map{{"a", 1}, {"b", 2}, {"", 0}};
  EXPECT_EQ(c.Call(&Types::Map, map), map);
  const std::unordered_map<int, std::string> umap{{1, "one"}, {-2, "minus two"}};
  EXPECT_EQ(c.Call(&Types::UnorderedMap, umap), umap);
  EXPECT_EQ(c.Call(&Types::Optional, std::optional<int>(7)), std::optional<int>(7));
  EXPECT_EQ(c.Call(&Types::Optional, std::nullopt), std::nullopt);
}

TEST(CourierTypesTest, Tensors) {
  auto [controller, c] = Serve<Types>();
  const Tensor floats(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor back = c.Call(&Types::TensorEcho, floats);
  EXPECT_EQ(back, floats);
  EXPECT_THAT(back.shape(), ElementsAre(2, 3));

  Tensor scaled = c.Call(&Types::Scale, floats, 0.5f);
  EXPECT_THAT(scaled.span<float>(), ElementsAre(0.5f, 1, 1.5f, 2, 2.5f, 3));

  for (const Tensor& t : {Tensor(std::vector<int64_t>{-1, 1LL << 40}),
                          Tensor(std::vector<double>{0.25}, {}),  // a scalar: shape []
                          Tensor(std::vector<uint8_t>{}),         // empty: shape [0]
                          Tensor(std::vector<bool>{true, false, true}),
                          Tensor(std::vector<BFloat16>{{0x3f80}, {0x4000}}),
                          Tensor(std::vector<uint64_t>{~uint64_t{0}}),
                          Tensor(DType::kInt16, {2, 0, 3})}) {
    EXPECT_EQ(c.Call(&Types::TensorEcho, t), t) << DTypeName(t.dtype());
  }
  // A large one, moved in so that its buffer is not copied on the way out.
  Tensor big(DType::kFloat, {1 << 20});
  big.span<float>()[12345] = 42;
  const Tensor expected = big;
  EXPECT_EQ(c.Call(&Types::TensorEcho, std::move(big)), expected);
}

TEST(CourierTypesTest, Structs) {
  auto [controller, c] = Serve<Types>();
  EXPECT_EQ(c.Call(&Types::MovePoint, Point{1, 2.5, "p"}, 10), (Point{11, 2.5, "p"}));
  Shape shape;
  shape.name = Unicode("triangle");
  shape.points = {{0, 0, "a"}, {1, 0, "b"}, {0, 1, "c"}};
  shape.center = Point{0, 0.5, "middle"};
  shape.attributes["weights"] = Tensor(std::vector<float>{0.1f, 0.2f});
  shape.flags = {3, true};
  EXPECT_EQ(c.Call(&Types::ShapeEcho, shape), shape);
  shape.center.reset();
  shape.points.clear();
  EXPECT_EQ(c.Call(&Types::ShapeEcho, shape), shape);
}

TEST(CourierTypesTest, NestedCombinations) {
  auto [controller, c] = Serve<Types>();
  Nested nested{{"a", {std::tuple<int, std::string>(1, "one"), std::nullopt}},
                {"b", {}},
                {"c", {std::nullopt, std::tuple<int, std::string>(-3, "")}}};
  EXPECT_EQ(c.Call(&Types::NestedEcho, nested), nested);

  std::vector<std::map<int, Tensor>> tensors{
      {{1, Tensor(std::vector<int32_t>{1, 2})}, {2, Tensor(std::vector<float>{3})}},
      {},
      {{-7, Tensor(DType::kDouble, {2, 2})}}};
  EXPECT_EQ(c.Call(&Types::TensorsInMaps, tensors), tensors);

  std::optional<std::vector<Point>> points = std::vector<Point>{{1, 1, "x"}, {2, 2, "y"}};
  EXPECT_EQ(c.Call(&Types::OptionalPoints, points), points);
  EXPECT_EQ(c.Call(&Types::OptionalPoints, std::nullopt), std::nullopt);
}

TEST(CourierTypesTest, SeveralArgumentsNoArgumentsAndVoid) {
  auto [controller, c] = Serve<Types>();
  EXPECT_EQ(c.Call(&Types::Sum, int8_t{1}, int64_t{2}, 0.5, 4u), 7.5);
  EXPECT_EQ(c.Call(&Types::NoArguments), "nothing in");
  c.Call(&Types::Record, "first");
  c.Async(&Types::Record, std::string("second")).Get();  // Future<void>
  c.Call<void>("Record", "third");
  EXPECT_THAT(c.Call(&Types::Records), ElementsAre("first", "second", "third"));
  c.Call(&Types::Clear);
  EXPECT_TRUE(c.Call(&Types::Records).empty());
}

TEST(CourierTypesTest, AsyncCarriesEveryKind) {
  auto [controller, c] = Serve<Types>();
  Future<uint64_t> u = c.Async(&Types::UInt64, std::numeric_limits<uint64_t>::max());
  Future<std::string> s = c.Async(&Types::Reverse, "xyz");
  Future<Tensor> t = c.Async(&Types::Scale, Tensor(std::vector<float>{2}), 3.0f);
  Future<Point> p = c.Async(&Types::MovePoint, Point{0, 0, "o"}, -1);
  Future<std::optional<int>> o = c.Async(&Types::Optional, std::nullopt);
  EXPECT_EQ(u.Get(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(s.Get(), "zyx");
  EXPECT_THAT(t.Get().span<float>(), ElementsAre(6.0f));
  EXPECT_EQ(p.Get(), (Point{-1, 0, "o"}));
  EXPECT_EQ(o.Get(), std::nullopt);
}

TEST(CourierTypesTest, DynamicCallsByName) {
  auto [controller, c] = Serve<Types>();
  EXPECT_EQ(c.Call<int64_t>("Int64", 41), 41);  // an int is sent as int; decodes as int64
  EXPECT_EQ(c.Call<double>("Sum", 1, 2, 3.5, 4), 10.5);
  EXPECT_EQ(c.Call<std::vector<int>>("Sorted", std::vector<int64_t>{9, 8}),
            (std::vector<int>{8, 9}));
  // A vector is a list and a tuple a tuple, but either decodes as the other.
  EXPECT_EQ((c.Call<std::tuple<int, int>>("Sorted", std::tuple<int, int>(2, 1))),
            (std::tuple<int, int>(1, 2)));
  EXPECT_EQ(c.Call<Point>("MovePoint", Point{1, 0, ""}, 1), (Point{2, 0, ""}));
  Future<std::string> f = c.Async<std::string>("Reverse", std::string("ab"));
  EXPECT_EQ(f.Get(), "ba");
  // A double result read as float (in range, rounded).
  EXPECT_EQ(c.Call<float>("Double", 0.5), 0.5f);
}

}  // namespace
}  // namespace lp
