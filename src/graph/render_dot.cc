#include "src/graph/render_dot.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "src/process/find_program.h"
#include "src/process/run_command.h"

namespace lp::internal {
namespace {

// Layout is superlinear in the nodes; a program of thousands takes seconds, not minutes.
constexpr absl::Duration kRenderTimeout = absl::Minutes(2);

// A fresh directory for dot's input and output, removed with everything in it.
class ScratchDirectory {
 public:
  static absl::StatusOr<ScratchDirectory> Create() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp",
                                       "/lp_graph_XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) {
      return absl::InternalError(absl::StrCat("cannot create a directory like ", pattern,
                                              " to render the graph in"));
    }
    return ScratchDirectory(std::move(pattern));
  }
  ScratchDirectory(ScratchDirectory&& other) noexcept : path_(std::move(other.path_)) {
    other.path_.clear();
  }
  ScratchDirectory& operator=(ScratchDirectory&&) = delete;
  ~ScratchDirectory() {
    if (path_.empty()) return;
    for (const char* name : {kInput, kOutput}) std::remove(File(name).c_str());
    rmdir(path_.c_str());
  }
  std::string File(const char* name) const { return absl::StrCat(path_, "/", name); }

  static constexpr const char* kInput = "graph.dot";
  static constexpr const char* kOutput = "graph.out";

 private:
  explicit ScratchDirectory(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace

absl::StatusOr<std::string> RenderDot(std::string_view dot, std::string_view format_view) {
  const std::string format(format_view);  // this Abseil's string_view is not std's
  absl::StatusOr<std::string> program = FindProgram("dot");
  if (!program.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "drawing the program graph as ", format, " needs Graphviz's 'dot', which is not on "
        "PATH: install the Debian package graphviz (apt-get install graphviz), or write the "
        "graph as .dot text instead (", program.status().message(), ")"));
  }
  absl::StatusOr<ScratchDirectory> scratch = ScratchDirectory::Create();
  if (!scratch.ok()) return scratch.status();
  const std::string input = scratch->File(ScratchDirectory::kInput);
  const std::string output = scratch->File(ScratchDirectory::kOutput);
  {
    std::ofstream file(input, std::ios::binary);
    file << dot;
    if (!file.flush()) return absl::InternalError(absl::StrCat("cannot write ", input));
  }
  absl::StatusOr<CommandResult> result = RunCommand(
      {*program, absl::StrCat("-T", format), "-o", output, input}, kRenderTimeout);
  if (!result.ok()) return result.status();
  if (!result->exit.success()) {
    return absl::InternalError(absl::StrCat(
        "'dot -T", format, "' failed (", result->exit.ToString(), "): ",
        absl::StripTrailingAsciiWhitespace(result->output)));
  }
  std::ifstream file(output, std::ios::binary);
  if (!file.is_open()) return absl::InternalError(absl::StrCat("dot wrote no ", output));
  std::ostringstream bytes;
  bytes << file.rdbuf();
  return std::move(bytes).str();
}

}  // namespace lp::internal
