#ifndef LP_SRC_GRAPH_GRAPH_FILE_H_
#define LP_SRC_GRAPH_GRAPH_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "lp/program.h"

namespace lp::internal {

// Writes the graph of `program` to `path` (--lp_graph), in the format its extension
// names: .dot the DOT text (Program::ToDot), .svg and .png rendered by Graphviz
// (RenderDot). InvalidArgument naming the extensions that work for any other; nothing is
// written then.
absl::Status WriteProgramGraph(const Program& program, const std::string& path);

}  // namespace lp::internal

#endif  // LP_SRC_GRAPH_GRAPH_FILE_H_
