#include "lp/internal/serialization/struct_codec.h"

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lp/internal/serialization/absl_view.h"
#include "lp/internal/serialization/kinds.h"
#include "courier/courier.pb.h"

namespace lp::internal {

absl::Status MatchStructKeys(const courier::SerializedDict& dict,
                             std::span<const std::string_view> field_names,
                             std::string_view type_name, std::span<int> entry_for_field,
                             DecodeContext& ctx) {
  for (int& entry : entry_for_field) entry = -1;
  for (int i = 0; i < dict.keys_size(); ++i) {
    const courier::SerializedObject& key = dict.keys(i);
    if (!IsText(key)) {
      DecodeContext::Scope scope = ctx.DictKey(static_cast<size_t>(i));
      return ctx.Mismatch(absl::StrCat("field name of ", AbslView(type_name), " (unicode)"), key);
    }
    const std::string& name = TextOf(key);
    size_t j = 0;
    while (j < field_names.size() && field_names[j] != name) ++j;
    if (j == field_names.size()) {
      return ctx.Error(absl::StrCat("unknown field \"", absl::CHexEscape(name), "\" for ",
                                    AbslView(type_name), " (fields: ",
                                    absl::StrJoin(field_names, ", ",
                                                  [](std::string* out, std::string_view f) {
                                                    out->append(f.data(), f.size());
                                                  }),
                                    ")"));
    }
    if (entry_for_field[j] != -1) {
      return ctx.Error(absl::StrCat("duplicate field \"", name, "\" for ", AbslView(type_name)));
    }
    entry_for_field[j] = i;
  }
  for (size_t j = 0; j < field_names.size(); ++j) {
    if (entry_for_field[j] == -1) {
      return ctx.Error(absl::StrCat("missing field \"", AbslView(field_names[j]), "\" for ",
                                    AbslView(type_name)));
    }
  }
  return absl::OkStatus();
}

}  // namespace lp::internal
