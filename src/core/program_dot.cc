#include "src/core/program_dot.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "lp/internal/node_impl.h"
#include "lp/internal/program_nodes.h"

namespace lp {

std::string Program::ToDot() const { return internal::ProgramDot(*this, internal::DotStyle{}); }

namespace internal {
namespace {

// Courier methods per label line: a node serving dozens stays readable.
constexpr size_t kMethodsPerLine = 4;

std::string NodeName(const NodeImpl& node) { return node.record()->id().ToString(); }

bool IsCluster(const NodeImpl& node) { return !node.InnerNodes().empty(); }

std::string NodeLabel(const NodeImpl& node) {
  std::vector<std::string> lines = {NodeName(node), NodeKindName(node)};
  const std::vector<std::string> methods = node.CourierMethodNames();
  for (size_t i = 0; i < methods.size(); i += kMethodsPerLine) {
    const size_t end = std::min(methods.size(), i + kMethodsPerLine);
    lines.push_back(absl::StrJoin(methods.begin() + i, methods.begin() + end, ", ") +
                    (end < methods.size() ? "," : ""));
  }
  return absl::StrJoin(lines, "\n");
}

// `name=value` attributes of `style`, each followed by `separator`.
std::string StyleAttributes(const DotNodeStyle* style, const char* separator) {
  if (style == nullptr) return "";
  std::string out;
  if (!style->fill_color.empty()) {
    absl::StrAppend(&out, "fillcolor=", DotQuoted(style->fill_color), separator);
  }
  if (!style->id.empty()) absl::StrAppend(&out, "id=", DotQuoted(style->id), separator);
  if (!style->tooltip.empty()) {
    absl::StrAppend(&out, "tooltip=", DotQuoted(style->tooltip), separator);
  }
  return out;
}

class DotWriter {
 public:
  DotWriter(const Program& program, const DotStyle& style) : program_(program), style_(style) {
    int position = 0;
    ForEachNode(program, [&](const std::shared_ptr<NodeImpl>& node) {
      by_name_.emplace(NodeName(*node), Placed{node.get(), position++, ""});
    });
  }

  std::string Write() {
    absl::StrAppend(&out_, "digraph ", DotQuoted(program_.name()), " {\n",
                    "  graph [compound=true, rankdir=LR, fontname=\"Helvetica\", "
                    "fontsize=11, label=",
                    DotQuoted(program_.name()), ", labelloc=t];\n",
                    "  node [shape=box, style=filled, fillcolor=\"white\", "
                    "fontname=\"Helvetica\", fontsize=10];\n",
                    "  edge [color=\"#555555\"];\n");
    int group_number = 0;
    for (const Program::GroupNodes& group : program_.Groups()) {
      const std::string cluster = absl::StrCat("cluster_", group_number++);
      absl::StrAppend(&out_, "  subgraph ", DotQuoted(cluster), " {\n", "    label=",
                      DotQuoted(group.label), ";\n    style=rounded;\n");
      int node_number = 0;
      for (const auto& node : group.nodes) {
        WriteNode(*node, absl::StrCat(cluster, "_", node_number++), "    ");
      }
      absl::StrAppend(&out_, "  }\n");
    }
    WriteEdges();
    absl::StrAppend(&out_, "}\n");
    return std::move(out_);
  }

 private:
  struct Placed {
    const NodeImpl* node;
    int position;         // in ForEachNode order: edges are sorted by it
    std::string cluster;  // a colocation's cluster; empty for a box
  };

  const DotNodeStyle* StyleOf(const std::string& name) const {
    auto it = style_.nodes.find(name);
    return it == style_.nodes.end() ? nullptr : &it->second;
  }

  // A box, or for a colocation a cluster named `cluster` around its inner nodes.
  void WriteNode(const NodeImpl& node, const std::string& cluster, const std::string& indent) {
    const std::string name = NodeName(node);
    if (!IsCluster(node)) {
      absl::StrAppend(&out_, indent, DotQuoted(name), " [",
                      StyleAttributes(StyleOf(name), ", "), "label=", DotQuoted(NodeLabel(node)),
                      "];\n");
      return;
    }
    by_name_.at(name).cluster = cluster;
    const DotNodeStyle* style = StyleOf(name);
    absl::StrAppend(&out_, indent, "subgraph ", DotQuoted(cluster), " {\n", indent,
                    "  label=", DotQuoted(NodeLabel(node)), ";\n", indent, "  style=",
                    style != nullptr && !style->fill_color.empty() ? "filled" : "dashed",
                    ";\n");
    const std::string attributes = StyleAttributes(style, ";\n");
    if (!attributes.empty()) absl::StrAppend(&out_, indent, "  ", attributes);
    int inner_number = 0;
    for (const auto& inner : node.InnerNodes()) {
      WriteNode(*inner, absl::StrCat(cluster, "_", inner_number++), indent + "  ");
    }
    absl::StrAppend(&out_, indent, "}\n");
  }

  // The box an edge to `placed` ends at: a colocation's first box, the edge then clipped
  // at its cluster (lhead).
  static const NodeImpl& EdgeEnd(const NodeImpl& node) {
    return IsCluster(node) ? EdgeEnd(*node.InnerNodes().front()) : node;
  }

  void WriteEdges() {
    ForEachNode(program_, [&](const std::shared_ptr<NodeImpl>& node) {
      // Handles to nodes of another program have no box here: they are left out.
      std::vector<const Placed*> targets;
      absl::flat_hash_set<std::string> seen;
      for (const NodeId& id : node->HandleTargets()) {
        std::string name = id.ToString();
        auto it = by_name_.find(name);
        if (it != by_name_.end() && seen.insert(std::move(name)).second) {
          targets.push_back(&it->second);
        }
      }
      // A handle map's order is the hash map's: sorting keeps the text stable.
      std::sort(targets.begin(), targets.end(),
                [](const Placed* a, const Placed* b) { return a->position < b->position; });
      for (const Placed* target : targets) {
        absl::StrAppend(&out_, "  ", DotQuoted(NodeName(EdgeEnd(*node))), " -> ",
                        DotQuoted(NodeName(EdgeEnd(*target->node))));
        std::vector<std::string> clip;
        if (IsCluster(*node)) {
          clip.push_back("ltail=" + DotQuoted(by_name_.at(NodeName(*node)).cluster));
        }
        if (!target->cluster.empty()) clip.push_back("lhead=" + DotQuoted(target->cluster));
        if (!clip.empty()) absl::StrAppend(&out_, " [", absl::StrJoin(clip, ", "), "]");
        absl::StrAppend(&out_, ";\n");
      }
    });
  }

  const Program& program_;
  const DotStyle& style_;
  absl::flat_hash_map<std::string, Placed> by_name_;
  std::string out_;
};

}  // namespace

// The kind a box or cluster shows. A colocation's TypeName lists its inner kinds, which
// the cluster shows as boxes already. Classes of an anonymous namespace, as in most
// programs' main.cc, go without it: it names no place.
std::string NodeKindName(const NodeImpl& node) {
  std::string kind = node.TypeName();
  if (IsCluster(node)) kind = kind.substr(0, kind.find('['));
  return absl::StrReplaceAll(kind, {{"(anonymous namespace)::", ""}});
}

std::string DotQuoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';  // other control characters have no place in a label
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

std::string ProgramDot(const Program& program, const DotStyle& style) {
  return DotWriter(program, style).Write();
}

}  // namespace internal
}  // namespace lp
