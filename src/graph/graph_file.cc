#include "src/graph/graph_file.h"

#include <fstream>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "src/graph/render_dot.h"

namespace lp::internal {
namespace {

// The Graphviz output format for `path`'s extension; "" for the DOT text itself; NotFound
// for an extension that is neither.
absl::StatusOr<std::string> FormatOf(const std::string& path) {
  if (absl::EndsWith(path, ".dot")) return std::string();
  for (const char* format : {"svg", "png"}) {
    if (absl::EndsWith(path, absl::StrCat(".", format))) return std::string(format);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--lp_graph='", path, "': the file name must end in .dot (the graph as Graphviz DOT "
      "text), .svg or .png (drawn by Graphviz's dot)"));
}

}  // namespace

absl::Status WriteProgramGraph(const Program& program, const std::string& path) {
  absl::StatusOr<std::string> format = FormatOf(path);
  if (!format.ok()) return format.status();
  std::string contents = program.ToDot();
  if (!format->empty()) {
    absl::StatusOr<std::string> rendered = RenderDot(contents, *format);
    if (!rendered.ok()) return rendered.status();
    contents = *std::move(rendered);
  }
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << contents;
  if (!file.flush()) {
    return absl::FailedPreconditionError(
        absl::StrCat("--lp_graph: cannot write '", path, "' (does its directory exist?)"));
  }
  return absl::OkStatus();
}

}  // namespace lp::internal
