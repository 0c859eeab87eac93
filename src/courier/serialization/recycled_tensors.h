// The storage of tensors that leave this process in a message: given back for reuse once
// the message is sent, as a tensor's own storage is when the tensor is destroyed
// (tensor_bytes.h). A caller that moves a 1 MiB tensor into each call then sends from
// storage that the last call gave back, instead of from fresh pages.
#ifndef LP_SRC_COURIER_SERIALIZATION_RECYCLED_TENSORS_H_
#define LP_SRC_COURIER_SERIALIZATION_RECYCLED_TENSORS_H_

#include <memory>

#include "courier/courier.pb.h"

namespace lp::internal {

// Gives the content of every tensor in `object` that internal::RecycleBytes keeps to it,
// leaving those contents empty. Only parts whose cached size (set by ByteSizeLong() of
// the message that holds them) is large enough to hold such a tensor are looked into: a
// small argument costs one look, a long list of small values one look per item (a few
// nanoseconds each); on a message never sized, nothing is looked into.
void RecycleTensorContents(courier::SerializedObject& object);

// A new, empty message owned by the pointer, whose tensors' contents are recycled when it
// is deleted (after ByteSizeLong(), as above).
std::shared_ptr<courier::CallRequest> NewRecyclingCallRequest();
std::shared_ptr<courier::CallResponse> NewRecyclingCallResponse();

}  // namespace lp::internal

#endif  // LP_SRC_COURIER_SERIALIZATION_RECYCLED_TENSORS_H_
