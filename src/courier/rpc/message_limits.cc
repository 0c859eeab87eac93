#include "src/courier/rpc/message_limits.h"

#include <google/protobuf/stubs/common.h>

#include <algorithm>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/str_join.h"

namespace lp::rpc {
namespace {

using courier::SerializedObject;

// What CheckObject found wrong, and where: `path` is innermost first ("[3]", "[1]").
struct Problem {
  std::vector<std::string> path;
  std::string text;
};

// Walks `object` at nesting `depth` (0: not inside any list or dict). Returns false and
// fills `problem` at the first problem; never descends deeper than kMaxNestingDepth + 1.
bool Walk(const SerializedObject& object, int depth, bool check_utf8, Problem& problem) {
  switch (object.payload_case()) {
    case SerializedObject::kUnicodeValue:
      // The check protobuf applies to its own string fields, and Python's str() to ours.
      if (check_utf8 &&
          !google::protobuf::internal::IsStructurallyValidUTF8(object.unicode_value())) {
        problem.text =
            "lp::Unicode holds bytes that are not valid UTF-8, which a Python peer cannot "
            "decode as str; send bytes as std::string instead";
        return false;
      }
      return true;
    case SerializedObject::kListValue:
    case SerializedObject::kDictValue:
      break;
    default:
      return true;
  }
  if (depth + 1 > kMaxNestingDepth) {
    problem.text = absl::StrCat("lists, tuples and dicts are nested more than ",
                                kMaxNestingDepth, " deep, Courier's limit");
    return false;
  }
  auto walk_all = [&](const auto& items, absl::string_view label) {
    for (int i = 0; i < items.size(); ++i) {
      if (!Walk(items.Get(i), depth + 1, check_utf8, problem)) {
        problem.path.push_back(absl::StrCat("[", label, i, "]"));
        return false;
      }
    }
    return true;
  };
  if (object.has_list_value()) return walk_all(object.list_value().items(), "");
  return walk_all(object.dict_value().keys(), "key #") &&
         walk_all(object.dict_value().values(), "value #");
}

std::string Bytes(int64_t bytes) {
  return absl::StrCat(bytes, " bytes (", absl::SixDigits(static_cast<double>(bytes) / (1 << 20)),
                      " MiB)");
}

}  // namespace

int64_t EffectiveMessageLimit(int configured_bytes) {
  return configured_bytes < 0 ? kMaxProtobufMessageBytes
                              : std::min<int64_t>(configured_bytes, kMaxProtobufMessageBytes);
}

absl::Status CheckMessageSize(size_t bytes, int configured_bytes, CheckedName what) {
  const int64_t limit = EffectiveMessageLimit(configured_bytes);
  if (bytes <= static_cast<size_t>(limit)) return absl::OkStatus();
  const bool protobuf_limit = limit == kMaxProtobufMessageBytes;
  return absl::ResourceExhaustedError(absl::StrCat(
      what(), " is ", Bytes(static_cast<int64_t>(bytes)), ", over ",
      protobuf_limit ? "the largest message protobuf can encode, "
                     : "the configured max_send_message_bytes, ",
      Bytes(limit), "; ",
      protobuf_limit ? "split it over several calls"
                     : "split it over several calls or raise the limit"));
}

absl::Status CheckObject(const SerializedObject& object, CheckedName what, bool check_utf8) {
  Problem problem;
  if (Walk(object, 0, check_utf8, problem)) return absl::OkStatus();
  std::reverse(problem.path.begin(), problem.path.end());
  problem.path.insert(problem.path.begin(), what());
  return absl::InvalidArgumentError(
      absl::StrCat(absl::StrJoin(problem.path, " \u2192 "), ": ", problem.text));
}

std::string BoundedEcho(absl::string_view input) {
  if (input.size() <= kMaxEchoedBytes) return absl::CHexEscape(input);
  return absl::StrCat(absl::CHexEscape(input.substr(0, kMaxEchoedBytes)), "... (",
                      input.size(), " bytes)");
}

}  // namespace lp::rpc
