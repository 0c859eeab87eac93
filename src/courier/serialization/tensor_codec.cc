#include "src/courier/serialization/tensor_codec.h"

#include <string>
#include <utility>
#include <vector>

#include "src/courier/serialization/absl_view.h"
#include "tensorflow/tensor.pb.h"

namespace lp {
namespace {

using courier::SerializedObject;

// lp::DType's numbers are TensorFlow's; spot-check that the two enums agree.
static_assert(static_cast<int>(DType::kFloat) == tensorflow::DT_FLOAT);
static_assert(static_cast<int>(DType::kString) == tensorflow::DT_STRING);
static_assert(static_cast<int>(DType::kBool) == tensorflow::DT_BOOL);
static_assert(static_cast<int>(DType::kBFloat16) == tensorflow::DT_BFLOAT16);
static_assert(static_cast<int>(DType::kHalf) == tensorflow::DT_HALF);
static_assert(static_cast<int>(DType::kUInt64) == tensorflow::DT_UINT64);

// Writes dtype and shape; the caller fills tensor_content.
tensorflow::TensorProto* StartTensor(const Tensor& value, SerializedObject* out) {
  tensorflow::TensorProto* proto = out->mutable_tensor_value();
  proto->Clear();
  proto->set_dtype(static_cast<tensorflow::DataType>(value.dtype()));
  tensorflow::TensorShapeProto* shape = proto->mutable_tensor_shape();
  for (int64_t dim : value.shape()) shape->add_dim()->set_size(dim);
  return proto;
}

// Validates `in` and builds the tensor from `content`, which the caller either copied or
// swapped out of the proto.
absl::Status Build(const tensorflow::TensorProto& proto, std::string content, Tensor* out,
                   DecodeContext& ctx) {
  std::vector<int64_t> shape;
  shape.reserve(static_cast<size_t>(proto.tensor_shape().dim_size()));
  for (const auto& dim : proto.tensor_shape().dim()) shape.push_back(dim.size());
  absl::StatusOr<Tensor> tensor =
      Tensor::FromBytes(static_cast<DType>(proto.dtype()), std::move(shape), std::move(content));
  if (!tensor.ok()) {
    return ctx.Error(internal::StdView(tensor.status().message()));
  }
  *out = *std::move(tensor);
  return absl::OkStatus();
}

}  // namespace

void Codec<Tensor>::Encode(const Tensor& value, SerializedObject* out) {
  StartTensor(value, out)->set_tensor_content(value.bytes());
}

void Codec<Tensor>::EncodeMove(Tensor&& value, SerializedObject* out) {
  tensorflow::TensorProto* proto = StartTensor(value, out);
  std::string bytes = value.ReleaseBytes();
  proto->mutable_tensor_content()->swap(bytes);
}

absl::Status Codec<Tensor>::Decode(const SerializedObject& in, Tensor* out,
                                   DecodeContext& ctx) {
  if (in.payload_case() != SerializedObject::kTensorValue) return ctx.Mismatch("tensor", in);
  return Build(in.tensor_value(), in.tensor_value().tensor_content(), out, ctx);
}

absl::Status Codec<Tensor>::DecodeMove(SerializedObject* in, Tensor* out, DecodeContext& ctx) {
  if (in->payload_case() != SerializedObject::kTensorValue) return ctx.Mismatch("tensor", *in);
  std::string content;
  in->mutable_tensor_value()->mutable_tensor_content()->swap(content);
  return Build(in->tensor_value(), std::move(content), out, ctx);
}

}  // namespace lp
