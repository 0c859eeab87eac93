// DecodeContext: where in a nested value the decoder currently is, so that an error can
// say `arg 1 → [3] → "y": expected int, got string` instead of just "bad type".
//
// The path is kept as a stack of cheap segments (an index, a field name, a pointer to a
// dict key) and rendered to text only when an error is reported: decoding a million-element
// list pushes and pops a million segments but formats none of them.
#ifndef LP_INTERNAL_SERIALIZATION_DECODE_CONTEXT_H_
#define LP_INTERNAL_SERIALIZATION_DECODE_CONTEXT_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "lp/internal/serialization/wire.h"

namespace lp {

class DecodeContext {
 public:
  // `root` names the whole value, e.g. "arg 1" or "result"; it may be empty.
  explicit DecodeContext(std::string root = "") : root_(std::move(root)) {}

  DecodeContext(const DecodeContext&) = delete;
  DecodeContext& operator=(const DecodeContext&) = delete;

  // One step down into the value; popped again when the Scope goes out of scope.
  class [[nodiscard]] Scope {
   public:
    explicit Scope(DecodeContext& ctx) : ctx_(ctx) {}
    ~Scope() { ctx_.segments_.pop_back(); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    DecodeContext& ctx_;
  };

  // Element `i` of a list or tuple: rendered `[i]`.
  Scope Index(size_t i) { return Push({Segment::kIndex, i, {}, nullptr}); }
  // A struct field: rendered `"name"`. `name` must outlive the scope (it is a literal).
  Scope Field(std::string_view name) { return Push({Segment::kField, 0, name, nullptr}); }
  // The value stored under dict entry `i` whose key is `key`: rendered `[<key>]`, e.g.
  // `["y"]` or `[7]`. `key` must outlive the scope.
  Scope DictValue(const courier::SerializedObject& key, size_t i) {
    return Push({Segment::kDictValue, i, {}, &key});
  }
  // The key of dict entry `i` itself: rendered `key #i`.
  Scope DictKey(size_t i) { return Push({Segment::kDictKey, i, {}, nullptr}); }

  // The rendered path, e.g. `arg 1 → [3] → "y"`; empty at the root of an unnamed value.
  std::string Path() const;

  // InvalidArgument "<path>: <message>".
  absl::Status Error(std::string_view message) const;
  // InvalidArgument "<path>: expected <expected>, got <kind of got>[ (<note>)]".
  absl::Status Mismatch(std::string_view expected, const courier::SerializedObject& got,
                        std::string_view note = "") const;

 private:
  struct Segment {
    enum Kind { kIndex, kField, kDictValue, kDictKey } kind;
    size_t index;
    std::string_view name;
    const courier::SerializedObject* key;
  };

  Scope Push(Segment segment) {
    segments_.push_back(segment);
    return Scope(*this);
  }

  std::string root_;
  std::vector<Segment> segments_;
};

}  // namespace lp

#endif  // LP_INTERNAL_SERIALIZATION_DECODE_CONTEXT_H_
