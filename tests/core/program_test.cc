// The program model: groups, labels, node kinds and the errors of building a program.

#include "lp/program.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lp/internal/program_nodes.h"
#include "lp/lp.h"

namespace lp {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

void Noop() {}

struct Worker {
  explicit Worker(int value) : value(value) {}
  int value;
};

std::string ProgramErrorOf(const std::function<void()>& build) {
  try {
    build();
  } catch (const ProgramError& error) {
    return error.what();
  }
  return "no ProgramError";
}

std::vector<std::string> Labels(const Program& program) {
  std::vector<std::string> labels;
  for (const auto& group : program.Groups()) labels.push_back(group.label);
  return labels;
}

TEST(ProgramTest, GroupsKeepInsertionOrderAndIndices) {
  Program program("p");
  NodeHandle first = program.AddNode(FunctionNode(Noop), "zeta");
  {
    auto group = program.Group("alpha");
    program.AddNode(FunctionNode(Noop));
    program.AddNode(ClassNode<Worker>(1));
  }
  NodeHandle again = program.AddNode(FunctionNode(Noop), "zeta");

  EXPECT_THAT(Labels(program), ElementsAre("zeta", "alpha"));
  EXPECT_EQ(program.FindGroup("alpha")->nodes.size(), 2u);
  EXPECT_EQ(program.FindGroup("alpha")->nodes[1]->TypeName(), "ClassNode<lp::(anonymous namespace)::Worker>");
  EXPECT_EQ(first.node().ToString(), "zeta/0");
  EXPECT_EQ(again.node().ToString(), "zeta/1");
  EXPECT_EQ(program.NumNodes(), 4);
}

TEST(ProgramTest, EmptyLabelOutsideGroupIsAnError) {
  Program program("p");
  EXPECT_THAT(ProgramErrorOf([&] { program.AddNode(FunctionNode(Noop)); }),
              HasSubstr("FunctionNode was added without a label outside any group"));
  EXPECT_THAT(ProgramErrorOf([&] { auto group = program.Group(""); }),
              HasSubstr("a group label must not be empty"));
}

TEST(ProgramTest, LabelDifferentFromEnclosingGroupIsAnError) {
  Program program("p");
  auto group = program.Group("actor");
  EXPECT_THAT(ProgramErrorOf([&] { program.AddNode(FunctionNode(Noop), "learner"); }),
              HasSubstr("node label 'learner' differs from the enclosing group 'actor'"));
  // The same label as the group is fine.
  program.AddNode(FunctionNode(Noop), "actor");
  EXPECT_EQ(program.NumNodes(), 1);
}

TEST(ProgramTest, NestedGroupsAreAnError) {
  Program program("p");
  auto outer = program.Group("outer");
  EXPECT_THAT(ProgramErrorOf([&] { auto inner = program.Group("inner"); }),
              HasSubstr("cannot open group 'inner' inside group 'outer'"));
}

TEST(ProgramTest, GroupScopeEndsTheGroup) {
  Program program("p");
  { auto group = program.Group("g"); }
  EXPECT_THAT(ProgramErrorOf([&] { program.AddNode(FunctionNode(Noop)); }),
              HasSubstr("without a label"));
}

TEST(ProgramTest, NodeAddedTwiceIsAnError) {
  Program program("p");
  FunctionNode node(Noop);
  program.AddNode(node, "once");
  EXPECT_THAT(ProgramErrorOf([&] { program.AddNode(node, "twice"); }),
              HasSubstr("node once/0 was added again (as 'twice')"));
}

TEST(ProgramTest, MakeProgramLabelsEachNodeByKind) {
  Program program = MakeProgram("made", FunctionNode(Noop), FunctionNode(Noop),
                                ClassNode<Worker>(3));
  EXPECT_EQ(program.name(), "made");
  EXPECT_THAT(Labels(program),
              ElementsAre("function", "function_2", "lp::(anonymous namespace)::Worker"));
}

TEST(ProgramTest, ProgramWithoutNodesCannotLaunch) {
  Controller controller = Launch(Program("empty"), {.launch_type = LaunchType::kLocalMt});
  absl::Status status = controller.Wait();
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_THAT(status.message(), HasSubstr("program 'empty' has no nodes"));
}

TEST(ProgramTest, UnknownLaunchTypeListsTheValidOnes) {
  absl::StatusOr<LaunchType> parsed = ParseLaunchType("local_xx");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(),
              HasSubstr("unknown launch type 'local_xx'; valid launch types: local_mt, "
                        "local_mp, test_mt, test_mp, slurm"));
  EXPECT_EQ(*ParseLaunchType("test_mt"), LaunchType::kTestMt);
  std::string error;
  LaunchType type;
  EXPECT_FALSE(AbslParseFlag("bogus", &type, &error));
  EXPECT_THAT(error, HasSubstr("valid launch types"));
}

TEST(ProgramTest, HandleDereferencedBeforeLaunchSaysSo) {
  // A handle kind with a client, as CourierHandle is.
  struct Client {};
  struct ClientHandle : HandleBase {
    using HandleBase::HandleBase;
    using ClientType = Client;
    ClientType Dereference() const {
      RuntimeOrThrow();
      return {};
    }
  };
  auto record = std::make_shared<internal::NodeRecord>(
      "unlaunched", NodeId{"server", 2}, std::make_shared<internal::RuntimeSlot>());
  ClientHandle handle(record);
  try {
    handle.Dereference();
    FAIL() << "expected NotLaunchedError";
  } catch (const NotLaunchedError& error) {
    EXPECT_THAT(error.what(), HasSubstr("node server/2 was dereferenced, but program "
                                        "'unlaunched' has not been launched"));
  }
}

// A handle that exposes the runtime it resolves through.
struct RuntimeProbe : HandleBase {
  explicit RuntimeProbe(const HandleBase& handle) : HandleBase(handle) {}
  std::shared_ptr<internal::Runtime> Runtime() const { return RuntimeOrThrow(); }
};

TEST(ProgramTest, AttachingARuntimeReachesEveryHandleInnerNodesIncluded) {
  Program program("attached");
  auto first = program.AddNode(ClassNode<Worker>(1), "worker");
  auto second = program.AddNode(ClassNode<Worker>(2), "worker");
  ClassNode<Worker> inner(3);
  program.AddNode(MultiThreadingColocation({inner}), "pack");
  auto inner_handle = program.HandleOf(inner);

  auto launched = std::make_shared<internal::Runtime>();
  internal::AttachRuntime(program, launched);
  for (const HandleBase& handle : std::vector<HandleBase>{first, second, inner_handle}) {
    EXPECT_EQ(RuntimeProbe(handle).Runtime(), launched) << handle.node().ToString();
  }
  // Launched again (a test launching one program twice), every handle follows.
  auto relaunched = std::make_shared<internal::Runtime>();
  internal::AttachRuntime(program, relaunched);
  for (const HandleBase& handle : std::vector<HandleBase>{first, second, inner_handle}) {
    EXPECT_EQ(RuntimeProbe(handle).Runtime(), relaunched) << handle.node().ToString();
  }
}

TEST(ProgramTest, AHandleOfAProgramUsedAfterItWasMovedIsNotLaunched) {
  Program program("moved");
  Program launched = std::move(program);
  auto late = program.AddNode(ClassNode<Worker>(1), "worker");  // NOLINT(bugprone-use-after-move)
  internal::AttachRuntime(launched, std::make_shared<internal::Runtime>());
  EXPECT_THROW(RuntimeProbe(late).Runtime(), NotLaunchedError);
}

TEST(ProgramTest, AttachingARuntimeLeavesOtherProgramsUnlaunched) {
  Program launched("launched");
  launched.AddNode(ClassNode<Worker>(1), "worker");
  Program other("other");
  auto unlaunched = other.AddNode(ClassNode<Worker>(1), "worker");
  internal::AttachRuntime(launched, std::make_shared<internal::Runtime>());
  EXPECT_THROW(RuntimeProbe(unlaunched).Runtime(), NotLaunchedError);
}

}  // namespace
}  // namespace lp
