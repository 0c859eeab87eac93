// The program graph: Program::ToDot's structure (checked by parsing it), styles,
// rendering with Graphviz, and --lp_graph on a real program.

#include <stdlib.h>

#include <array>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lp/lp.h"
#include "src/core/program_dot.h"
#include "src/graph/render_dot.h"
#include "src/process/find_program.h"
#include "tests/graph/dot_parser.h"
#include "tests/launch/launch_test_util.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"
#include "tests/terminal/terminal_test_util.h"

namespace graph_test {

class Producer {
 public:
  int Work(int context) { return context * 2; }
  std::string Host() { return "here"; }
};
LP_COURIER_METHODS(Producer, Work, Host);

class Consumer {
 public:
  explicit Consumer(std::vector<lp::CourierClient<Producer>> producers) {
    (void)producers;
  }
};

// Nodes that hold each other's handles: created without arguments, configured later.
class Peer {
 public:
  explicit Peer(lp::CourierClient<Peer> other) { (void)other; }
  int Ping() { return 1; }
};
LP_COURIER_METHODS(Peer, Ping);

}  // namespace graph_test

namespace {

// As in most programs' main.cc.
class Anonymous {
 public:
  int Get() { return 1; }
};
LP_COURIER_METHODS(Anonymous, Get);

}  // namespace

namespace lp {
namespace {

using graph_test::Consumer;
using graph_test::Peer;
using graph_test::Producer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;
using testing::ChildProcess;
using testing::ExitCodeOf;
using testing::ReadFile;
using testing::DotGraph;
using testing::ParseDot;
using testing::TempDir;

using testing::kGenerous;

DotGraph Parsed(const std::string& dot) {
  std::string error;
  std::optional<DotGraph> graph = ParseDot(dot, &error);
  EXPECT_TRUE(graph.has_value()) << error << "\n" << dot;
  return graph.value_or(DotGraph{});
}

// The clusters' labels, by cluster name.
std::map<std::string, std::string> ClusterLabels(const DotGraph& graph) {
  std::map<std::string, std::string> labels;
  for (const auto& [name, cluster] : graph.clusters) labels[name] = cluster.attributes.at("label");
  return labels;
}

// The name of the cluster labelled `label` ("" if none).
std::string ClusterNamed(const DotGraph& graph, const std::string& label) {
  for (const auto& [name, cluster] : graph.clusters) {
    auto it = cluster.attributes.find("label");
    if (it != cluster.attributes.end() && it->second == label) return name;
  }
  return "";
}

std::vector<std::pair<std::string, std::string>> Edges(const DotGraph& graph) {
  std::vector<std::pair<std::string, std::string>> edges;
  for (const testing::DotEdge& edge : graph.edges) edges.emplace_back(edge.from, edge.to);
  return edges;
}

// The consumer_producers example's program (examples/consumer_producers/main.cc).
Program ConsumerProducers(int num_producers) {
  Program program("consumer_producers");
  std::vector<CourierHandle<Producer>> producers;
  {
    auto group = program.Group("producer");
    for (int i = 0; i < num_producers; ++i) {
      producers.push_back(program.AddNode(CourierNode<Producer>()));
    }
  }
  program.AddNode(ClassNode<Consumer>(producers), "consumer");
  return program;
}

bool HaveDot() { return internal::FindProgram("dot").ok(); }

TEST(ProgramGraphTest, ConsumerProducersHasAClusterPerGroupABoxPerNodeAndAnEdgePerHandle) {
  const DotGraph graph = Parsed(ConsumerProducers(3).ToDot());
  EXPECT_EQ(graph.name, "consumer_producers");
  const std::string producers = ClusterNamed(graph, "producer");
  const std::string consumers = ClusterNamed(graph, "consumer");
  ASSERT_FALSE(producers.empty()) << ::testing::PrintToString(ClusterLabels(graph));
  ASSERT_FALSE(consumers.empty());
  EXPECT_EQ(graph.clusters.size(), 2u);
  EXPECT_EQ(graph.clusters.at(producers).parent, "");

  ASSERT_EQ(graph.nodes.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    const std::string id = "producer/" + std::to_string(i);
    ASSERT_TRUE(graph.nodes.contains(id)) << id;
    EXPECT_EQ(graph.nodes.at(id).cluster, producers);
    EXPECT_EQ(graph.nodes.at(id).attributes.at("label"),
              id + "\nCourierNode<graph_test::Producer>\nWork, Host");
  }
  ASSERT_TRUE(graph.nodes.contains("consumer/0"));
  EXPECT_EQ(graph.nodes.at("consumer/0").cluster, consumers);
  EXPECT_EQ(graph.nodes.at("consumer/0").attributes.at("label"),
            "consumer/0\nClassNode<graph_test::Consumer>");

  EXPECT_THAT(Edges(graph), ElementsAre(Pair("consumer/0", "producer/0"),
                                        Pair("consumer/0", "producer/1"),
                                        Pair("consumer/0", "producer/2")));
}

TEST(ProgramGraphTest, AClassOfAnAnonymousNamespaceIsNamedWithoutIt) {
  Program program("anonymous");
  program.AddNode(CourierNode<Anonymous>(), "a");
  const DotGraph graph = Parsed(program.ToDot());
  EXPECT_EQ(graph.nodes.at("a/0").attributes.at("label"), "a/0\nCourierNode<Anonymous>\nGet");
}

TEST(ProgramGraphTest, TheTextIsTheSameForTheSameProgram) {
  EXPECT_EQ(ConsumerProducers(5).ToDot(), ConsumerProducers(5).ToDot());
}

void TakesEverything(const std::map<std::string, CourierClient<Producer>>&,
                     const std::optional<CourierClient<Producer>>&,
                     const std::optional<CourierClient<Producer>>&,
                     const std::tuple<int, std::pair<NodeHandle, CourierClient<Producer>>>&,
                     const std::array<CourierClient<Producer>, 1>&,
                     const std::unordered_map<int, std::vector<CourierClient<Producer>>>&, int) {}

TEST(ProgramGraphTest, HandlesInsideContainersAreEdges) {
  Program program("containers");
  std::vector<CourierHandle<Producer>> p;
  for (int i = 0; i < 7; ++i) p.push_back(program.AddNode(CourierNode<Producer>(), "p"));
  const NodeHandle plain = program.AddNode(FunctionNode([] {}), "plain");
  program.AddNode(CourierNode<Producer>(), "unreferenced");
  program.AddNode(
      FunctionNode(TakesEverything,
                   std::map<std::string, CourierHandle<Producer>>{{"a", p[0]}, {"b", p[1]}},
                   std::optional<CourierHandle<Producer>>(p[2]),
                   std::optional<CourierHandle<Producer>>(),
                   std::make_tuple(1, std::make_pair(plain, p[3])),
                   std::array<CourierHandle<Producer>, 1>{p[4]},
                   std::unordered_map<int, std::vector<CourierHandle<Producer>>>{
                       {1, {p[5], p[0]}}, {2, {p[6]}}},
                   42),
      "user");
  const DotGraph graph = Parsed(program.ToDot());
  // Each node named once, in program order, whatever order the containers hold them in.
  EXPECT_THAT(Edges(graph), ElementsAre(Pair("user/0", "p/0"), Pair("user/0", "p/1"),
                                        Pair("user/0", "p/2"), Pair("user/0", "p/3"),
                                        Pair("user/0", "p/4"), Pair("user/0", "p/5"),
                                        Pair("user/0", "p/6"), Pair("user/0", "plain/0")));
}

TEST(ProgramGraphTest, NodesConfiguredWithEachOthersHandlesAreACycle) {
  Program program("cycle");
  CourierNode<Peer> a_node;
  CourierNode<Peer> b_node;
  const CourierHandle<Peer> a = program.AddNode(a_node, "a");
  const CourierHandle<Peer> b = program.AddNode(b_node, "b");
  a_node.Configure(b);
  b_node.Configure(a);
  const DotGraph graph = Parsed(program.ToDot());
  EXPECT_THAT(Edges(graph), ElementsAre(Pair("a/0", "b/0"), Pair("b/0", "a/0")));
}

TEST(ProgramGraphTest, AColocationIsAClusterInsideItsGroupAroundItsInnerNodes) {
  Program program("colocated");
  CourierNode<Producer> cache;
  FunctionNode warmer([] {});
  const NodeHandle colocation =
      program.AddNode(MultiThreadingColocation({cache, warmer}), "cache");
  const CourierHandle<Producer> cache_handle = program.HandleOf(cache);
  program.AddNode(
      FunctionNode([](const CourierClient<Producer>&, const NodeHandle&) {}, cache_handle,
                   colocation),
      "user");
  const DotGraph graph = Parsed(program.ToDot());

  const std::string group = ClusterNamed(graph, "cache");
  const std::string inner = ClusterNamed(graph, "cache/0\nMultiThreadingColocation");
  ASSERT_FALSE(group.empty()) << ::testing::PrintToString(ClusterLabels(graph));
  ASSERT_FALSE(inner.empty()) << ::testing::PrintToString(ClusterLabels(graph));
  EXPECT_EQ(graph.clusters.at(inner).parent, group);
  EXPECT_EQ(graph.clusters.at(group).parent, "");

  EXPECT_FALSE(graph.nodes.contains("cache/0")) << "the colocation is drawn as its cluster";
  ASSERT_TRUE(graph.nodes.contains("cache/0/0"));
  ASSERT_TRUE(graph.nodes.contains("cache/0/1"));
  EXPECT_EQ(graph.nodes.at("cache/0/0").cluster, inner);
  EXPECT_EQ(graph.nodes.at("cache/0/1").cluster, inner);
  EXPECT_EQ(graph.nodes.at("cache/0/0").attributes.at("label"),
            "cache/0/0\nCourierNode<graph_test::Producer>\nWork, Host");
  EXPECT_EQ(graph.nodes.at("cache/0/1").attributes.at("label"), "cache/0/1\nFunctionNode");

  // The colocation's handle ends at its cluster (clipped there: lhead), the inner node's
  // at its box; in program order, the colocation first.
  ASSERT_EQ(graph.edges.size(), 2u) << program.ToDot();
  EXPECT_EQ(graph.edges[0].from, "user/0");
  EXPECT_EQ(graph.edges[0].to, "cache/0/0");
  EXPECT_EQ(graph.edges[0].attributes.at("lhead"), inner);
  EXPECT_EQ(graph.edges[1].from, "user/0");
  EXPECT_EQ(graph.edges[1].to, "cache/0/0");
  EXPECT_FALSE(graph.edges[1].attributes.contains("lhead"));
}

TEST(ProgramGraphTest, LabelsWithQuotesBackslashesAndLineBreaksAreEscaped) {
  const std::string weird = "we\"ird\\ {group} -> [x]; \n\"";
  Program program("a \"quoted\" program\\");
  const NodeHandle target = program.AddNode(FunctionNode([] {}), weird);
  program.AddNode(FunctionNode([](const NodeHandle&) {}, target), "user");
  const std::string dot = program.ToDot();
  const DotGraph graph = Parsed(dot);
  EXPECT_EQ(graph.name, "a \"quoted\" program\\");
  EXPECT_FALSE(ClusterNamed(graph, weird).empty()) << dot;
  const std::string id = weird + "/0";
  ASSERT_TRUE(graph.nodes.contains(id)) << dot;
  EXPECT_EQ(graph.nodes.at(id).attributes.at("label"), id + "\nFunctionNode");
  EXPECT_THAT(Edges(graph), ElementsAre(Pair("user/0", id)));
  if (!HaveDot()) GTEST_SKIP() << "Graphviz's dot is not installed";
  absl::StatusOr<std::string> svg = internal::RenderDot(dot, "svg");
  ASSERT_TRUE(svg.ok()) << svg.status() << "\n" << dot;
}

TEST(ProgramGraphTest, AStyleGivesNodesColoursIdsAndTooltips) {
  internal::DotStyle style;
  style.nodes["producer/1"] = {.fill_color = "#a6d96a", .id = "node-producer-1",
                               .tooltip = "running \"fine\""};
  const DotGraph graph = Parsed(internal::ProgramDot(ConsumerProducers(2), style));
  const auto& styled = graph.nodes.at("producer/1").attributes;
  EXPECT_EQ(styled.at("fillcolor"), "#a6d96a");
  EXPECT_EQ(styled.at("id"), "node-producer-1");
  EXPECT_EQ(styled.at("tooltip"), "running \"fine\"");
  const auto& plain = graph.nodes.at("producer/0").attributes;
  EXPECT_FALSE(plain.contains("fillcolor"));
  EXPECT_FALSE(plain.contains("id"));
}

TEST(ProgramGraphTest, DotRendersTheGraphAsSvgAndPng) {
  if (!HaveDot()) GTEST_SKIP() << "Graphviz's dot is not installed";
  internal::DotStyle style;
  style.nodes["producer/0"] = {.fill_color = "palegreen", .id = "node_producer_0", .tooltip = ""};
  absl::StatusOr<std::string> svg =
      internal::RenderDot(internal::ProgramDot(ConsumerProducers(2), style), "svg");
  ASSERT_TRUE(svg.ok()) << svg.status();
  EXPECT_THAT(*svg, HasSubstr("<svg"));
  EXPECT_THAT(*svg, HasSubstr(">producer/1</text>"));
  EXPECT_THAT(*svg, HasSubstr(">CourierNode&lt;graph_test::Producer&gt;</text>"));
  EXPECT_THAT(*svg, HasSubstr("id=\"node_producer_0\""));
  absl::StatusOr<std::string> png = internal::RenderDot(ConsumerProducers(2).ToDot(), "png");
  ASSERT_TRUE(png.ok()) << png.status();
  EXPECT_EQ(png->substr(0, 4), "\x89PNG");
}

TEST(ProgramGraphTest, DotsMessagesAreInTheErrorWhenItFails) {
  if (!HaveDot()) GTEST_SKIP() << "Graphviz's dot is not installed";
  absl::StatusOr<std::string> bad = internal::RenderDot("digraph { a -> ", "svg");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("syntax error"));
  absl::StatusOr<std::string> format = internal::RenderDot("digraph { a }", "nosuchformat");
  ASSERT_FALSE(format.ok());
  EXPECT_THAT(format.status().message(), HasSubstr("nosuchformat"));
}

// PATH for the test's duration.
class ScopedPath {
 public:
  explicit ScopedPath(const std::string& path) {
    if (const char* old = std::getenv("PATH")) old_ = old;
    setenv("PATH", path.c_str(), 1);
  }
  ~ScopedPath() {
    if (old_.has_value()) setenv("PATH", old_->c_str(), 1);
  }

 private:
  std::optional<std::string> old_;
};

TEST(ProgramGraphTest, WithoutDotTheErrorNamesTheGraphvizPackage) {
  TempDir empty;
  ScopedPath path(empty.path());
  absl::StatusOr<std::string> svg = internal::RenderDot("digraph { a }", "svg");
  ASSERT_FALSE(svg.ok());
  EXPECT_THAT(svg.status().message(), HasSubstr("graphviz"));

  const std::string file = empty.path() + "/graph.svg";
  Controller controller = Launch(ConsumerProducers(1), {.graph_file = file});
  const absl::Status outcome = controller.Wait();
  EXPECT_FALSE(outcome.ok());
  EXPECT_THAT(outcome.message(), HasSubstr("graphviz"));
  EXPECT_FALSE(std::filesystem::exists(file));
}

TEST(ProgramGraphTest, AGraphFileWithAnotherExtensionIsALaunchErrorNamingTheOnesThatWork) {
  TempDir dir;
  const std::string file = dir.path() + "/graph.txt";
  Controller controller = Launch(ConsumerProducers(1), {.graph_file = file});
  const absl::Status outcome = controller.Wait();
  EXPECT_TRUE(absl::IsInvalidArgument(outcome)) << outcome;
  EXPECT_THAT(outcome.message(), HasSubstr(".dot"));
  EXPECT_THAT(outcome.message(), HasSubstr(".svg"));
  EXPECT_THAT(outcome.message(), HasSubstr(".png"));
  EXPECT_FALSE(std::filesystem::exists(file));
}

std::string Example() { return testing::BuildDir() + "/examples/consumer_producers"; }

TEST(ProgramGraphTest, TheGraphFlagWritesAnSvgAndExitsWithoutStartingNodes) {
  if (!HaveDot()) GTEST_SKIP() << "Graphviz's dot is not installed";
  TempDir dir;
  const std::string file = dir.path() + "/graph.svg";
  ChildProcess child({Example(), "--lp_launch_type=local_mp", "--num_producers=3",
                      "--lp_graph=" + file});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("wrote the graph of program 'consumer_producers' to " +
                                        file));
  // The consumer prints what each producer returned: no node ran.
  EXPECT_THAT(child.output(), Not(HasSubstr("returned")));
  const std::string svg = ReadFile(file);
  EXPECT_THAT(svg, HasSubstr("<svg"));
  EXPECT_THAT(svg, HasSubstr(">producer/2</text>"));
  EXPECT_THAT(svg, HasSubstr(">consumer/0</text>"));
}

TEST(ProgramGraphTest, TheGraphFlagWritesDotText) {
  TempDir dir;
  const std::string file = dir.path() + "/graph.dot";
  ChildProcess child({Example(), "--num_producers=2", "--lp_graph=" + file});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
  EXPECT_THAT(child.output(), Not(HasSubstr("returned")));
  const DotGraph graph = Parsed(ReadFile(file));
  EXPECT_THAT(Edges(graph), ElementsAre(Pair("consumer/0", "producer/0"),
                                        Pair("consumer/0", "producer/1")));
}

TEST(ProgramGraphTest, TheGraphFlagWithABadExtensionIsALaunchError) {
  TempDir dir;
  ChildProcess child({Example(), "--lp_graph=" + dir.path() + "/graph.jpeg"});
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), kExitLaunchError) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("must end in .dot"));
  EXPECT_THAT(child.output(), Not(HasSubstr("returned")));
}

}  // namespace
}  // namespace lp
