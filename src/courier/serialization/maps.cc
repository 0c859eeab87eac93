#include "lp/internal/serialization/maps.h"

#include "absl/strings/str_cat.h"
#include "courier/courier.pb.h"

namespace lp::internal {

courier::SerializedDict* StartDict(courier::SerializedObject* out, size_t size) {
  courier::SerializedDict* dict = out->mutable_dict_value();
  dict->Clear();
  dict->mutable_keys()->Reserve(static_cast<int>(size));
  dict->mutable_values()->Reserve(static_cast<int>(size));
  return dict;
}

absl::Status ExpectDict(const courier::SerializedObject& in, std::string_view expected,
                        DecodeContext& ctx) {
  if (in.payload_case() != courier::SerializedObject::kDictValue) {
    return ctx.Mismatch(expected, in);
  }
  const courier::SerializedDict& dict = in.dict_value();
  if (dict.keys_size() != dict.values_size()) {
    return ctx.Error(absl::StrCat("malformed dict: ", dict.keys_size(), " keys but ",
                                  dict.values_size(), " values"));
  }
  return absl::OkStatus();
}

}  // namespace lp::internal
