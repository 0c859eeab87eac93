#include "lp/internal/serialization/optional.h"
#include "courier/courier.pb.h"

namespace lp {

void Codec<std::monostate>::Encode(const std::monostate&, courier::SerializedObject* out) {
  out->set_none_value(true);
}

absl::Status Codec<std::monostate>::Decode(const courier::SerializedObject& in,
                                           std::monostate*, DecodeContext& ctx) {
  if (in.payload_case() != courier::SerializedObject::kNoneValue) {
    return ctx.Mismatch("none", in);
  }
  return absl::OkStatus();
}

}  // namespace lp
