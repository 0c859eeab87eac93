#include "lp/internal/serialization/list_access.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "lp/internal/serialization/absl_view.h"
#include "lp/internal/serialization/kinds.h"
#include "courier/courier.pb.h"

namespace lp::internal {

courier::SerializedList* StartList(courier::SerializedObject* out, size_t size,
                                   bool is_tuple) {
  courier::SerializedList* list = out->mutable_list_value();
  list->Clear();
  list->set_is_tuple(is_tuple);
  list->mutable_items()->Reserve(static_cast<int>(size));
  return list;
}

absl::Status ExpectSequence(const courier::SerializedObject& in, std::string_view expected,
                            size_t required_size, DecodeContext& ctx) {
  if (!IsSequence(in)) return ctx.Mismatch(expected, in);
  size_t size = static_cast<size_t>(in.list_value().items_size());
  if (required_size != kAnySize && size != required_size) {
    return ctx.Error(absl::StrCat("expected ", AbslView(expected),
                                  " of ", required_size, " items, got ", KindName(in), " of ",
                                  size, " items"));
  }
  return absl::OkStatus();
}

}  // namespace lp::internal
