// Handles in a node's arguments become clients, also inside nested containers, in the
// receiving node's own thread, and only once the program is launched.

#include "lp/dereference.h"

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lp/lp.h"

namespace lp {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

// A node kind of the test's own, with a client: proof that the mechanism is open to any
// node kind, as CourierNode uses it.
struct Named {
  std::string id;       // the node the client talks to
  std::string program;  // the launched program it was resolved in
};

class NamedHandle : public HandleBase {
 public:
  using HandleBase::HandleBase;
  using ClientType = Named;
  Named Dereference() const { return {node().ToString(), RuntimeOrThrow()->program_name}; }
};

class NamedNode : public Node {
 public:
  using HandleType = NamedHandle;
  NamedNode() : Node(std::make_shared<internal::FunctionNodeImpl>([] {})) {}
  HandleType CreateHandle(std::shared_ptr<internal::NodeRecord> record) const {
    return HandleType(std::move(record));
  }
};

static_assert(std::is_same_v<Dereferenced<NamedHandle>, Named>);
static_assert(std::is_same_v<Dereferenced<std::vector<std::optional<NamedHandle>>>,
                             std::vector<std::optional<Named>>>);
static_assert(std::is_same_v<Dereferenced<std::map<int, std::pair<NamedHandle, int>>>,
                             std::map<int, std::pair<Named, int>>>);
static_assert(std::is_same_v<Dereferenced<NodeHandle>, NodeHandle>);
static_assert(std::is_same_v<Dereferenced<std::string>, std::string>);

struct Seen {
  std::vector<std::string> vector_ids;
  std::vector<std::pair<std::string, std::string>> map_ids;
  std::optional<std::string> optional_id;
  bool empty_optional_stayed_empty = false;
  std::string tuple_id;
  int tuple_number = 0;
  std::string pair_id;
  std::string nested_id;
  std::string plain_handle_id;
  std::string program;
  bool constructed_on_node_thread = false;
};

class Receiver {
 public:
  Receiver(Seen* seen, std::vector<Named> vector, std::map<std::string, Named> map,
           std::optional<Named> present, std::optional<Named> absent,
           std::tuple<int, Named> tuple, std::pair<Named, std::string> pair,
           std::vector<std::map<int, std::optional<Named>>> nested, NodeHandle plain) {
    for (const Named& named : vector) seen->vector_ids.push_back(named.id);
    for (const auto& [key, named] : map) seen->map_ids.emplace_back(key, named.id);
    if (present) seen->optional_id = present->id;
    seen->empty_optional_stayed_empty = !absent.has_value();
    seen->tuple_number = std::get<0>(tuple);
    seen->tuple_id = std::get<1>(tuple).id;
    seen->pair_id = pair.first.id + "," + pair.second;
    seen->nested_id = nested.at(0).at(7)->id;
    seen->plain_handle_id = plain.node().ToString();
    seen->program = vector.at(0).program;
    seen->constructed_on_node_thread =
        CurrentNode() != nullptr && CurrentNode()->node.group == "receiver";
  }
};

TEST(DereferenceTest, HandlesInNestedContainersArriveAsClients) {
  Program program("deref");
  std::vector<NamedHandle> servers;
  {
    auto group = program.Group("server");
    for (int i = 0; i < 3; ++i) servers.push_back(program.AddNode(NamedNode()));
  }
  NodeHandle plain = program.AddNode(FunctionNode([] {}), "plain");
  Seen seen;
  program.AddNode(
      ClassNode<Receiver>(
          &seen, servers, std::map<std::string, NamedHandle>{{"b", servers[1]}, {"c", servers[2]}},
          std::optional<NamedHandle>(servers[2]), std::optional<NamedHandle>(),
          std::make_tuple(42, servers[0]), std::make_pair(servers[1], std::string("x")),
          std::vector<std::map<int, std::optional<NamedHandle>>>{{{7, servers[2]}}}, plain),
      "receiver");

  ASSERT_TRUE(Launch(std::move(program), {.launch_type = LaunchType::kTestMt}).Wait().ok());

  EXPECT_THAT(seen.vector_ids, ElementsAre("server/0", "server/1", "server/2"));
  EXPECT_THAT(seen.map_ids, ElementsAre(Pair("b", "server/1"), Pair("c", "server/2")));
  EXPECT_EQ(seen.optional_id, "server/2");
  EXPECT_TRUE(seen.empty_optional_stayed_empty);
  EXPECT_EQ(seen.tuple_number, 42);
  EXPECT_EQ(seen.tuple_id, "server/0");
  EXPECT_EQ(seen.pair_id, "server/1,x");
  EXPECT_EQ(seen.nested_id, "server/2");
  EXPECT_EQ(seen.plain_handle_id, "plain/0");
  EXPECT_EQ(seen.program, "deref");
  EXPECT_TRUE(seen.constructed_on_node_thread);
}

TEST(DereferenceTest, FunctionNodeArgumentsAreDereferencedToo) {
  Program program("fn");
  NamedHandle server = program.AddNode(NamedNode(), "server");
  std::string received;
  program.AddNode(FunctionNode([&received](std::vector<Named> clients) {
                    received = clients.at(0).id;
                  },
                  std::vector<NamedHandle>{server}),
                  "caller");
  ASSERT_TRUE(Launch(std::move(program), {.launch_type = LaunchType::kTestMt}).Wait().ok());
  EXPECT_EQ(received, "server/0");
}

TEST(DereferenceTest, HandleOutsideARunningProgramThrows) {
  Program program("never_launched");
  NamedHandle server = program.AddNode(NamedNode(), "server");
  EXPECT_THROW(server.Dereference(), NotLaunchedError);
}

}  // namespace
}  // namespace lp
