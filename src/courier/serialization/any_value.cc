#include "lp/any_value.h"

#include "courier/courier.pb.h"

namespace lp {
namespace internal {

std::shared_ptr<courier::SerializedObject> NewSerializedObject() {
  return std::make_shared<courier::SerializedObject>();
}

}  // namespace internal

namespace {

// One shared none object, so that default-constructed AnyValues (every one a decoder
// starts from) allocate nothing.
const std::shared_ptr<const courier::SerializedObject>& NoneObject() {
  static const auto* none = [] {
    auto object = internal::NewSerializedObject();
    internal::SetNone(object.get());
    return new std::shared_ptr<const courier::SerializedObject>(std::move(object));
  }();
  return *none;
}

}  // namespace

AnyValue::AnyValue() : object_(NoneObject()) {}

AnyValue::AnyValue(std::shared_ptr<const courier::SerializedObject> object)
    : object_(object != nullptr ? std::move(object) : NoneObject()) {}

void Codec<AnyValue>::Encode(const AnyValue& value, courier::SerializedObject* out) {
  *out = value.object();
}

absl::Status Codec<AnyValue>::Decode(const courier::SerializedObject& in, AnyValue* out,
                                     DecodeContext&) {
  *out = AnyValue(std::make_shared<const courier::SerializedObject>(in));
  return absl::OkStatus();
}

absl::Status Codec<AnyValue>::DecodeMove(courier::SerializedObject* in, AnyValue* out,
                                         DecodeContext&) {
  auto object = internal::NewSerializedObject();
  object->Swap(in);  // both on the heap (no arena): a swap of pointers
  *out = AnyValue(std::move(object));
  return absl::OkStatus();
}

}  // namespace lp
