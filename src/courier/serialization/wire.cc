#include "lp/internal/serialization/wire.h"

#include <utility>

#include "courier/courier.pb.h"
#include "lp/serialized_object.h"

namespace lp::internal {

void ClearObject(courier::SerializedObject* out) { out->Clear(); }
void SetInt(courier::SerializedObject* out, int64_t value) { out->set_int_value(value); }
void SetUnicode(courier::SerializedObject* out, std::string_view text) {
  out->set_unicode_value(text.data(), text.size());
}
void SetNone(courier::SerializedObject* out) { out->set_none_value(true); }
bool IsNone(const courier::SerializedObject& in) {
  return in.payload_case() == courier::SerializedObject::kNoneValue;
}

courier::SerializedObject* AddItem(courier::SerializedList* list) { return list->add_items(); }
int ItemCount(const courier::SerializedObject& in) { return in.list_value().items_size(); }
const courier::SerializedObject& ItemAt(const courier::SerializedObject& in, int i) {
  return in.list_value().items(i);
}
courier::SerializedObject& ItemAt(courier::SerializedObject& in, int i) {
  return *in.mutable_list_value()->mutable_items(i);
}

courier::SerializedObject* AddKey(courier::SerializedDict* dict) { return dict->add_keys(); }
courier::SerializedObject* AddValue(courier::SerializedDict* dict) { return dict->add_values(); }
const courier::SerializedDict& DictOf(const courier::SerializedObject& in) {
  return in.dict_value();
}
courier::SerializedDict& DictOf(courier::SerializedObject& in) { return *in.mutable_dict_value(); }
int EntryCount(const courier::SerializedDict& dict) { return dict.keys_size(); }
const courier::SerializedObject& KeyAt(const courier::SerializedDict& dict, int i) {
  return dict.keys(i);
}
const courier::SerializedObject& ValueAt(const courier::SerializedDict& dict, int i) {
  return dict.values(i);
}
courier::SerializedObject& ValueAt(courier::SerializedDict& dict, int i) {
  return *dict.mutable_values(i);
}

int ArgumentCount(const courier::CallArguments& call) { return call.args_size(); }
courier::SerializedObject* MutableArgument(courier::CallArguments& call, int i) {
  return call.mutable_args(i);
}
courier::SerializedObject* AddArgument(courier::CallArguments* call) { return call->add_args(); }

OwnedSerializedObject::OwnedSerializedObject() : object_(new courier::SerializedObject) {}
OwnedSerializedObject::~OwnedSerializedObject() { delete object_; }
OwnedSerializedObject::OwnedSerializedObject(OwnedSerializedObject&& other) noexcept
    : object_(std::exchange(other.object_, nullptr)) {}
OwnedSerializedObject& OwnedSerializedObject::operator=(OwnedSerializedObject&& other) noexcept {
  std::swap(object_, other.object_);
  return *this;
}

absl::StatusOr<OwnedSerializedObject> OwnedSerializedObject::Parse(std::string_view bytes) {
  absl::StatusOr<courier::SerializedObject> parsed = ParseSerializedObject(bytes);
  if (!parsed.ok()) return parsed.status();
  OwnedSerializedObject owned;
  *owned.object_ = *std::move(parsed);
  return owned;
}

std::string OwnedSerializedObject::SerializeAsString() const {
  return object_->SerializeAsString();
}

}  // namespace lp::internal
