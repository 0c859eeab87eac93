#ifndef LP_SRC_CORE_PROGRAM_DOT_H_
#define LP_SRC_CORE_PROGRAM_DOT_H_

// The program graph in Graphviz's DOT language (docs/observability.md, "The program
// graph"): Program::ToDot() for users, ProgramDot() for pages that colour it.

#include <map>
#include <string>

#include "lp/program.h"

namespace lp::internal {

// How one node is drawn beyond the default. Empty fields keep the default.
struct DotNodeStyle {
  std::string fill_color;  // any Graphviz colour: "#a6d96a", "palegreen"
  std::string id;          // the `id` attribute: the element's id in SVG output
  std::string tooltip;     // shown on hover in SVG output
};

// Per-node styles keyed by the node's "group/index" (NodeId::ToString). A colocation's
// style applies to its cluster.
struct DotStyle {
  std::map<std::string, DotNodeStyle> nodes;
};

// The graph of `program`: one cluster per group; one box per node labelled with its
// "group/index", its kind and (for a CourierNode) its Courier methods; a colocation is a
// cluster nested in its group's, around its inner nodes; one edge per (node, node named
// by a handle among its arguments), from the holder to the named node. Node ids are the
// nodes' "group/index" and cluster names follow group order, so the text only changes
// when the program does.
std::string ProgramDot(const Program& program, const DotStyle& style);

// The kind a node shows, in the graph and on the status page: its TypeName without
// "(anonymous namespace)::" (it names no place), a colocation's without its inner kinds.
std::string NodeKindName(const NodeImpl& node);

// `text` as a DOT quoted string, quotes included: `"` and `\` escaped, line breaks as \n.
std::string DotQuoted(const std::string& text);

}  // namespace lp::internal

#endif  // LP_SRC_CORE_PROGRAM_DOT_H_
