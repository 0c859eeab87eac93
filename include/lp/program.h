#ifndef LP_PROGRAM_H_
#define LP_PROGRAM_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lp/node.h"

namespace lp {

class Program;

namespace internal {
// lp/internal/program_nodes.h
void AttachRuntime(const Program& program, const std::shared_ptr<Runtime>& runtime);
}  // namespace internal

// While alive, nodes added to the program without a label join this group.
// Returned by Program::Group(); keep it in a scope:
//   { auto group = program.Group("producer"); program.AddNode(...); ... }
class GroupScope {
 public:
  GroupScope(const GroupScope&) = delete;
  GroupScope& operator=(const GroupScope&) = delete;
  ~GroupScope();

 private:
  friend class Program;
  explicit GroupScope(Program* program) : program_(program) {}
  Program* program_;
};

// A distributed program: nodes (services) in labelled groups, connected through handles.
// Build it in one thread, then give it to lp::Launch. Building must be deterministic:
// process launches build it again in every worker and check that it matches.
//
// Errors while building are lp::ProgramError exceptions naming the offending label.
class Program {
 public:
  // The nodes of one group, in the order they were added.
  struct GroupNodes {
    std::string label;
    std::vector<std::shared_ptr<internal::NodeImpl>> nodes;
  };

  explicit Program(std::string name);
  Program(Program&&) noexcept;
  Program& operator=(Program&&) noexcept;
  ~Program();

  const std::string& name() const { return name_; }

  // Adds `node` to the group `label` (or to the enclosing Group() when `label` is empty)
  // and returns its handle. The node's index is its position in that group.
  template <typename NodeT>
  typename NodeT::HandleType AddNode(const NodeT& node, std::string_view label = {}) {
    return node.CreateHandle(AddNodeImpl(node.impl(), label));
  }

  // The handle of `node`, added to this program directly or inside a colocation. Throws
  // lp::ProgramError if it was not.
  template <typename NodeT>
  typename NodeT::HandleType HandleOf(const NodeT& node) const {
    return node.CreateHandle(RecordOf(*node.impl()));
  }

  // Opens a group: until the returned scope ends, AddNode() without a label adds to it.
  [[nodiscard]] GroupScope Group(std::string_view label);

  // Every group, in the order first used, with its nodes in insertion order.
  const std::vector<GroupNodes>& Groups() const { return groups_; }
  const GroupNodes* FindGroup(std::string_view label) const;
  int NumNodes() const;

  // The program's graph in Graphviz's DOT language: groups are clusters, nodes are boxes
  // labelled "group/index" with their kind (and a CourierNode's methods), a colocation is
  // a cluster around its inner nodes, and every handle among a node's arguments (inside
  // containers too) is an edge from that node to the node the handle names. Render it with
  // `dot -Tsvg`, or let --lp_graph=FILE do it (docs/observability.md).
  std::string ToDot() const;

 private:
  friend class GroupScope;
  std::shared_ptr<internal::NodeRecord> RecordOf(const internal::NodeImpl& node) const;
  std::shared_ptr<internal::NodeRecord> AddNodeImpl(std::shared_ptr<internal::NodeImpl> node,
                                                    std::string_view label);

  friend void internal::AttachRuntime(const Program& program,
                                      const std::shared_ptr<internal::Runtime>& runtime);

  std::string name_;
  std::vector<GroupNodes> groups_;
  std::optional<std::string> current_group_;
  // What every handle of the program resolves through once launched (shared by its nodes'
  // records).
  std::shared_ptr<internal::RuntimeSlot> runtime_;
};

// A program of the given nodes, each in its own group named after its kind ("function",
// the class name, ...; a number is appended when a label repeats).
template <typename... NodeTs>
Program MakeProgram(std::string name, const NodeTs&... nodes) {
  Program program(std::move(name));
  auto add = [&program](const auto& node) {
    std::string label = node.impl()->DefaultLabel();
    for (int suffix = 2; program.FindGroup(label) != nullptr; ++suffix) {
      label = node.impl()->DefaultLabel() + "_" + std::to_string(suffix);
    }
    program.AddNode(node, label);
  };
  (add(nodes), ...);
  return program;
}

}  // namespace lp

#endif  // LP_PROGRAM_H_
