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

std::shared_ptr<courier::CallRequest> NewRecyclingCallRequest() {
  return std::shared_ptr<courier::CallRequest>(
      new courier::CallRequest, [](courier::CallRequest* request) {
        courier::CallArguments& arguments = *request->mutable_arguments();
        for (courier::SerializedObject& argument : *arguments.mutable_args()) {
          RecycleTensorContents(argument);
        }
        for (auto& [name, argument] : *arguments.mutable_kwargs()) {
          RecycleTensorContents(argument);
        }
        delete request;
      });
}

std::shared_ptr<courier::CallResponse> NewRecyclingCallResponse() {
  return std::shared_ptr<courier::CallResponse>(
      new courier::CallResponse, [](courier::CallResponse* response) {
        RecycleTensorContents(*response->mutable_result()->mutable_result());
        delete response;
      });
}

}  // namespace lp::internal
