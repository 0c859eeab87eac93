#include "lp/internal/serialization/decode_context.h"

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "lp/internal/serialization/kinds.h"
#include "courier/courier.pb.h"

namespace lp {
namespace {

using courier::SerializedObject;

// Keys in paths are shown in full up to this many bytes; longer ones are cut with "...".
constexpr size_t kMaxKeyChars = 40;

// `["y"]`, `[7]`, `[True]`; for keys that have no short literal form, `[entry #i]`.
std::string RenderDictKey(const SerializedObject& key, size_t i) {
  switch (key.payload_case()) {
    case SerializedObject::kIntValue:
      return absl::StrCat("[", key.int_value(), "]");
    case SerializedObject::kBoolValue:
      return key.bool_value() ? "[True]" : "[False]";
    case SerializedObject::kStringValue:
    case SerializedObject::kUnicodeValue: {
      const std::string& text = internal::TextOf(key);
      std::string shown = absl::CHexEscape(text.substr(0, kMaxKeyChars));
      return absl::StrCat("[\"", shown, text.size() > kMaxKeyChars ? "...\"]" : "\"]");
    }
    default:
      return absl::StrCat("[entry #", i, "]");
  }
}

}  // namespace

std::string DecodeContext::Path() const {
  std::string path = root_;
  for (const Segment& segment : segments_) {
    if (!path.empty()) path += " \u2192 ";  // " → "
    switch (segment.kind) {
      case Segment::kIndex:
        absl::StrAppend(&path, "[", segment.index, "]");
        break;
      case Segment::kField:
        path += '"';
        path.append(segment.name.data(), segment.name.size());
        path += '"';
        break;
      case Segment::kDictValue:
        path += RenderDictKey(*segment.key, segment.index);
        break;
      case Segment::kDictKey:
        absl::StrAppend(&path, "key #", segment.index);
        break;
    }
  }
  return path;
}

absl::Status DecodeContext::Error(std::string_view message) const {
  std::string path = Path();
  std::string text = path.empty() ? std::string() : path + ": ";
  text.append(message.data(), message.size());
  return absl::InvalidArgumentError(text);
}

absl::Status DecodeContext::Mismatch(std::string_view expected, const SerializedObject& got,
                                     std::string_view note) const {
  std::string message = "expected ";
  message.append(expected.data(), expected.size());
  message += ", got ";
  const std::string kind = internal::KindName(got);
  message.append(kind.data(), kind.size());
  if (!note.empty()) {
    message += " (";
    message.append(note.data(), note.size());
    message += ")";
  }
  return Error(message);
}

}  // namespace lp
