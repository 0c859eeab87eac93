// The non-template parts of lp/internal/node_arguments.h: the errors.

#include "lp/internal/node_arguments.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace lp::internal {
namespace {

// Printed values are the user's: echo a bounded prefix.
constexpr size_t kMaxEchoed = 200;

std::string Quoted(const std::string& text) {
  if (text.size() <= kMaxEchoed) return absl::StrCat("\"", text, "\"");
  return absl::StrCat("\"", text.substr(0, kMaxEchoed), "\"... (", text.size(), " bytes)");
}

const char* KindName(EncodedArgument::Kind kind) {
  switch (kind) {
    case EncodedArgument::Kind::kUnchecked:
      return "unchecked";
    case EncodedArgument::Kind::kHandle:
      return "handle";
    case EncodedArgument::Kind::kValue:
      return "serializable";
    case EncodedArgument::Kind::kPrinted:
      return "printable";
  }
  return "?";
}

std::string Signature(const std::vector<EncodedArgument>& arguments) {
  return absl::StrCat("(", absl::StrJoin(arguments, ", ", [](std::string* out, const auto& a) {
                        absl::StrAppend(out, a.type_name, " [", KindName(a.kind), "]");
                      }), ")");
}

}  // namespace

absl::Status ArgumentDiffers(size_t position, const std::string& type_name,
                             const std::string& launcher_text, const std::string& worker_text) {
  return absl::FailedPreconditionError(absl::StrCat(
      "argument ", position, " (counting from 0; type ", type_name,
      ") differs from the launcher's: the launcher has ", Quoted(launcher_text),
      ", this worker computed ", Quoted(worker_text),
      ". A worker runs main() again, and this type cannot travel from the launcher (it is "
      "not serializable), so the worker's own value would be used. Compute the value inside "
      "the node (name runs and directories after lp::LaunchId()), or pass it as a "
      "serializable value (see lp/serialize.h; LP_SERIALIZABLE for a struct)"));
}

absl::Status JoinArgumentErrors(const std::vector<absl::Status>& errors) {
  absl::Status first;
  std::vector<std::string> messages;
  for (const absl::Status& error : errors) {
    if (error.ok()) continue;
    if (first.ok()) first = error;
    messages.emplace_back(error.message());
  }
  if (messages.size() <= 1) return first;
  return absl::Status(first.code(), absl::StrJoin(messages, "; "));
}

absl::Status ArgumentsDoNotMatch(const std::vector<EncodedArgument>& launcher,
                                 const std::vector<EncodedArgument>& worker) {
  return absl::FailedPreconditionError(absl::StrCat(
      "the node was built with other arguments than in the launcher: the launcher has ",
      Signature(launcher), ", this worker ", Signature(worker),
      ". Program construction must be deterministic"));
}

}  // namespace lp::internal
