#include "src/coordinator/exit_report.h"

#include "absl/strings/str_cat.h"

namespace lp::internal {

std::string ExitReport::Describe() const {
  std::string out = failed() ? absl::StrCat("node ", node.ToString(), " failed (exit code ",
                                            exit_code, ")")
                             : absl::StrCat("node ", node.ToString(), " ended");
  if (!message.empty()) absl::StrAppend(&out, ": ", message);
  if (!last_output_lines.empty()) {
    absl::StrAppend(&out, "\nlast output of ", node.ToString(), ":");
    for (const std::string& line : last_output_lines) absl::StrAppend(&out, "\n  ", line);
  }
  return out;
}

NodeOutcome OutcomeOf(const ExitReport& report) {
  if (!report.failed()) return {};
  return {report.call_failed ? NodeOutcome::Kind::kCallFailed : NodeOutcome::Kind::kFailed,
          report.message.empty() ? absl::StrCat("exit code ", report.exit_code) : report.message};
}

}  // namespace lp::internal
