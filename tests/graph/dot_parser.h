#ifndef LP_TESTS_GRAPH_DOT_PARSER_H_
#define LP_TESTS_GRAPH_DOT_PARSER_H_

// Just enough of Graphviz's DOT language to check a program graph's structure: clusters
// (nested), node statements, edges and their attributes. Not a validator: `dot` itself
// is the test of well-formedness.

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lp::testing {

struct DotCluster {
  std::string name;
  std::string parent;  // the enclosing cluster's name; "" at the top
  std::map<std::string, std::string> attributes;
};

struct DotNode {
  std::string id;
  std::string cluster;  // the innermost enclosing cluster; "" at the top
  std::map<std::string, std::string> attributes;
};

struct DotEdge {
  std::string from;
  std::string to;
  std::map<std::string, std::string> attributes;
};

struct DotGraph {
  std::string name;
  std::map<std::string, DotCluster> clusters;  // by name
  std::map<std::string, DotNode> nodes;        // by id
  std::vector<DotEdge> edges;                  // in order
};

// Parses `text` (one digraph); nullopt with `error` set when it does not parse. Quoted
// strings are unescaped: \" and \\ become " and \, \n a line break.
std::optional<DotGraph> ParseDot(const std::string& text, std::string* error);

}  // namespace lp::testing

#endif  // LP_TESTS_GRAPH_DOT_PARSER_H_
