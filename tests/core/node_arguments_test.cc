// A node's stored arguments as they travel from the launcher to a worker
// (lp/internal/node_arguments.h): which kind each type is, the launcher's values replacing
// the worker's, and the comparison of what cannot travel. Between two StoredArguments of
// one process, standing for the launcher's and a worker's.

#include "lp/internal/node_arguments.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lp/lp.h"

namespace lp_node_arguments_test {

struct Point {
  int x = 0;
  double y = 0;
};
LP_SERIALIZABLE(Point, x, y);

// Prints, but is not serializable: compared, not sent.
struct Label {
  std::string text;
  friend std::ostream& operator<<(std::ostream& out, const Label& label) {
    return out << label.text;
  }
};

struct Opaque {};  // neither: unchecked

}  // namespace lp_node_arguments_test

namespace lp::internal {
namespace {

using Kind = EncodedArgument::Kind;
using lp_node_arguments_test::Label;
using lp_node_arguments_test::Opaque;
using lp_node_arguments_test::Point;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

static_assert(ArgumentKind<int>() == Kind::kValue);
static_assert(ArgumentKind<std::string>() == Kind::kValue);
static_assert(ArgumentKind<std::map<std::string, std::vector<double>>>() == Kind::kValue);
static_assert(ArgumentKind<Point>() == Kind::kValue);
static_assert(ArgumentKind<Label>() == Kind::kPrinted);
static_assert(ArgumentKind<const char*>() == Kind::kPrinted);
static_assert(ArgumentKind<Opaque>() == Kind::kUnchecked);
static_assert(ArgumentKind<std::function<void()>>() == Kind::kUnchecked);
// An address means nothing in another process.
static_assert(ArgumentKind<int*>() == Kind::kUnchecked);
static_assert(ArgumentKind<std::shared_ptr<int>>() == Kind::kUnchecked);
static_assert(ArgumentKind<NodeHandle>() == Kind::kHandle);
static_assert(ArgumentKind<std::vector<NodeHandle>>() == Kind::kUnchecked);

TEST(NodeArgumentsTest, EncodesEachArgumentByItsKind) {
  StoredArguments<int, Label, Opaque> stored(7, Label{"seven"}, Opaque{});
  const std::vector<EncodedArgument> encoded = stored.Encode();
  ASSERT_EQ(encoded.size(), 3u);
  EXPECT_EQ(encoded[0].kind, Kind::kValue);
  EXPECT_EQ(encoded[0].type_name, "int");
  EXPECT_FALSE(encoded[0].data.empty());
  EXPECT_EQ(encoded[1].kind, Kind::kPrinted);
  EXPECT_EQ(encoded[1].data, "seven");
  EXPECT_EQ(encoded[2].kind, Kind::kUnchecked);
  EXPECT_TRUE(encoded[2].data.empty());
}

TEST(NodeArgumentsTest, TheLaunchersSerializableValuesReplaceTheWorkers) {
  StoredArguments<std::string, uint64_t, Point, Label> launcher("run-1", 42, Point{1, 2.5},
                                                                Label{"same"});
  StoredArguments<std::string, uint64_t, Point, Label> worker("run-2", 43, Point{3, 4.5},
                                                              Label{"same"});
  ASSERT_TRUE(worker.Apply(launcher.Encode()).ok());
  EXPECT_EQ(std::get<0>(worker.values()), "run-1");
  EXPECT_EQ(std::get<1>(worker.values()), 42u);
  EXPECT_EQ(std::get<2>(worker.values()).x, 1);
  EXPECT_EQ(std::get<2>(worker.values()).y, 2.5);
}

TEST(NodeArgumentsTest, APrintedValueThatDiffersIsNamedWithBothValuesAndWhatToDo) {
  StoredArguments<int, Label, Label> launcher(1, Label{"pid-1"}, Label{"a"});
  StoredArguments<int, Label, Label> worker(2, Label{"pid-2"}, Label{"b"});
  const absl::Status status = worker.Apply(launcher.Encode());
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(),
              AllOf(HasSubstr("argument 1 (counting from 0; type lp_node_arguments_test::Label) "
                              "differs from the launcher's: the launcher has \"pid-1\", this "
                              "worker computed \"pid-2\""),
                    // every argument that differs, not only the first
                    HasSubstr("argument 2 (counting from 0; type lp_node_arguments_test::Label)"),
                    HasSubstr("lp::LaunchId()"), HasSubstr("LP_SERIALIZABLE"),
                    // the int travelled
                    Not(HasSubstr("argument 0"))));
}

TEST(NodeArgumentsTest, LongPrintedValuesAreEchoedOnlyInPart) {
  StoredArguments<Label> launcher(Label{std::string(5000, 'a')});
  StoredArguments<Label> worker(Label{std::string(5000, 'b')});
  const absl::Status status = worker.Apply(launcher.Encode());
  ASSERT_FALSE(status.ok());
  EXPECT_LT(status.message().size(), 1500u);
  EXPECT_THAT(status.message(), HasSubstr("(5000 bytes)"));
}

TEST(NodeArgumentsTest, ArgumentsThatDoNotLineUpAreRefused) {
  StoredArguments<int, std::string> launcher(1, "x");
  StoredArguments<int> fewer(1);
  StoredArguments<std::string, int> swapped("x", 1);
  EXPECT_THAT(fewer.Apply(launcher.Encode()).message(),
              HasSubstr("the node was built with other arguments than in the launcher"));
  EXPECT_THAT(swapped.Apply(launcher.Encode()).message(),
              HasSubstr("Program construction must be deterministic"));
}

// A ClassNode builds its object from the values in place when it runs: the launcher's,
// once applied.
class Holder {
 public:
  Holder(std::string run_id, int seed) : run_id_(std::move(run_id)), seed_(seed) {}
  void Run() { *Seen() = run_id_ + "/" + std::to_string(seed_); }
  static std::string* Seen() {
    static std::string seen;
    return &seen;
  }

 private:
  std::string run_id_;
  int seed_;
};

TEST(NodeArgumentsTest, AClassNodeIsBuiltFromTheLaunchersValues) {
  ClassNode<Holder> launcher(std::string("run-launcher"), 1);
  ClassNode<Holder> worker(std::string("run-worker"), 2);
  ASSERT_TRUE(worker.impl()->ApplyArguments(launcher.impl()->EncodeArguments()).ok());
  worker.impl()->Run(Runtime{}, NodeContext{});
  EXPECT_EQ(*Holder::Seen(), "run-launcher/1");
}

TEST(NodeArgumentsTest, AFunctionNodeIsCalledWithTheLaunchersValues) {
  std::string seen;
  auto record = [&seen](const std::string& run_id, const Label& label) {
    seen = run_id + " " + label.text;
  };
  FunctionNode launcher(record, std::string("run-launcher"), Label{"same"});
  FunctionNode worker(record, std::string("run-worker"), Label{"same"});
  ASSERT_TRUE(worker.impl()->ApplyArguments(launcher.impl()->EncodeArguments()).ok());
  worker.impl()->Run(Runtime{}, NodeContext{});
  EXPECT_EQ(seen, "run-launcher same");
}

}  // namespace
}  // namespace lp::internal
