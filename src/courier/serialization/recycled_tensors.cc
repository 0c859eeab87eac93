#include "src/courier/serialization/recycled_tensors.h"

#include <cstddef>
#include <utility>

#include "src/courier/serialization/tensor_bytes.h"

namespace lp::internal {
namespace {

bool MayHoldRecycledTensor(const courier::SerializedObject& object) {
  return static_cast<size_t>(object.GetCachedSize()) >= kMinRecycledBytes;
}

}  // namespace

void RecycleTensorContents(courier::SerializedObject& object) {
  if (!MayHoldRecycledTensor(object)) return;
  switch (object.payload_case()) {
    case courier::SerializedObject::kTensorValue:
      RecycleBytes(std::move(*object.mutable_tensor_value()->mutable_tensor_content()));
      return;
    case courier::SerializedObject::kListValue:
      for (courier::SerializedObject& item : *object.mutable_list_value()->mutable_items()) {
        RecycleTensorContents(item);
      }
      return;
    case courier::SerializedObject::kDictValue:
      for (courier::SerializedObject& value : *object.mutable_dict_value()->mutable_values()) {
        RecycleTensorContents(value);
      }
      return;
    default:
      return;
  }
}

namespace {

// A message that gives its tensors' storage back as it goes. Made with make_shared and
// handed out through an aliasing pointer: one allocation per call for the message and
// its count, where a pointer with a deleter of its own takes two.
struct RecyclingCallRequest {
  courier::CallRequest message;
  ~RecyclingCallRequest() {
    if (!message.has_arguments()) return;
    courier::CallArguments& arguments = *message.mutable_arguments();
    for (courier::SerializedObject& argument : *arguments.mutable_args()) {
      RecycleTensorContents(argument);
    }
    for (auto& [name, argument] : *arguments.mutable_kwargs()) {
      RecycleTensorContents(argument);
    }
  }
};

struct RecyclingCallResponse {
  courier::CallResponse message;
  ~RecyclingCallResponse() {
    if (message.has_result()) RecycleTensorContents(*message.mutable_result()->mutable_result());
  }
};

}  // namespace

std::shared_ptr<courier::CallRequest> NewRecyclingCallRequest() {
  auto owner = std::make_shared<RecyclingCallRequest>();
  return std::shared_ptr<courier::CallRequest>(owner, &owner->message);
}

std::shared_ptr<courier::CallResponse> NewRecyclingCallResponse() {
  auto owner = std::make_shared<RecyclingCallResponse>();
  return std::shared_ptr<courier::CallResponse>(owner, &owner->message);
}

}  // namespace lp::internal
