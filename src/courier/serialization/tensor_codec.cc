#include "lp/internal/serialization/tensor_codec.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lp/internal/serialization/absl_view.h"
#include "src/courier/serialization/tensor_bytes.h"
#include "tensorflow/tensor.pb.h"
#include "courier/courier.pb.h"

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

// The largest tensor built by repeating the last of fewer typed values than it has
// elements: a few bytes on the wire must not make the receiver allocate gigabytes.
constexpr size_t kMaxRepeatedFillBytes = size_t{64} << 20;

// tensor_content for `elements` values of type T taken from `values` (TensorFlow's typed
// field `field`), the last one repeated when there are fewer.
template <typename T, typename Values>
absl::StatusOr<std::string> FillContent(const Values& values, size_t elements,
                                        const char* field) {
  const size_t count = static_cast<size_t>(values.size());
  if (count > elements) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tensor has ", count, " values in ", field, " but its shape holds ", elements));
  }
  if (count < elements && elements * sizeof(T) > kMaxRepeatedFillBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tensor has ", count, " values in ", field, " for ", elements,
        " elements; repeating the last value is done up to ", kMaxRepeatedFillBytes,
        " bytes, send all values (or tensor_content) for larger tensors"));
  }
  std::string content(elements * sizeof(T), '\0');
  for (size_t i = 0; i < elements; ++i) {
    const T value = static_cast<T>(values.Get(static_cast<int>(std::min(i, count - 1))));
    std::memcpy(content.data() + i * sizeof(T), &value, sizeof(T));  // little-endian host
  }
  return content;
}

// The tensor_content that TensorFlow's typed value fields (float_val, ...) describe, or
// "" when the field for `dtype` has no values (then tensor_content is what counts).
absl::StatusOr<std::string> TypedContent(const tensorflow::TensorProto& proto, DType dtype,
                                         std::span<const int64_t> shape) {
  absl::StatusOr<size_t> bytes = internal::TensorByteSize(dtype, shape);
  if (!bytes.ok() || *bytes == 0) return std::string();  // FromBytes reports it
  const size_t elements = *bytes / DTypeSize(dtype);
  auto fill = [&]<typename T>(const auto& values, const char* field) {
    return values.empty() ? absl::StatusOr<std::string>(std::string())
                          : FillContent<T>(values, elements, field);
  };
  switch (dtype) {
    case DType::kFloat: return fill.operator()<float>(proto.float_val(), "float_val");
    case DType::kDouble: return fill.operator()<double>(proto.double_val(), "double_val");
    case DType::kInt32: return fill.operator()<int32_t>(proto.int_val(), "int_val");
    case DType::kInt16: return fill.operator()<int16_t>(proto.int_val(), "int_val");
    case DType::kInt8: return fill.operator()<int8_t>(proto.int_val(), "int_val");
    case DType::kUInt8: return fill.operator()<uint8_t>(proto.int_val(), "int_val");
    case DType::kUInt16: return fill.operator()<uint16_t>(proto.int_val(), "int_val");
    case DType::kInt64: return fill.operator()<int64_t>(proto.int64_val(), "int64_val");
    case DType::kUInt32: return fill.operator()<uint32_t>(proto.uint32_val(), "uint32_val");
    case DType::kUInt64: return fill.operator()<uint64_t>(proto.uint64_val(), "uint64_val");
    case DType::kBool: return fill.operator()<uint8_t>(proto.bool_val(), "bool_val");
    case DType::kHalf:
    case DType::kBFloat16: return fill.operator()<uint16_t>(proto.half_val(), "half_val");
    default: return std::string();
  }
}

// Validates `in` and builds the tensor from `content`, which the caller either copied or
// swapped out of the proto; from TensorFlow's typed value fields when it is empty.
absl::Status Build(const tensorflow::TensorProto& proto, std::string content, Tensor* out,
                   DecodeContext& ctx) {
  std::vector<int64_t> shape;
  shape.reserve(static_cast<size_t>(proto.tensor_shape().dim_size()));
  for (const auto& dim : proto.tensor_shape().dim()) shape.push_back(dim.size());
  if (content.empty()) {
    absl::StatusOr<std::string> typed =
        TypedContent(proto, static_cast<DType>(proto.dtype()), shape);
    if (!typed.ok()) return ctx.Error(internal::StdView(typed.status().message()));
    content = *std::move(typed);
  }
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
  *StartTensor(value, out)->mutable_tensor_content() = internal::CopyOfBytes(value.bytes());
}

void Codec<Tensor>::EncodeMove(Tensor&& value, SerializedObject* out) {
  tensorflow::TensorProto* proto = StartTensor(value, out);
  std::string bytes = value.ReleaseBytes();
  proto->mutable_tensor_content()->swap(bytes);
}

absl::Status Codec<Tensor>::Decode(const SerializedObject& in, Tensor* out,
                                   DecodeContext& ctx) {
  if (in.payload_case() != SerializedObject::kTensorValue) return ctx.Mismatch("tensor", in);
  return Build(in.tensor_value(), internal::CopyOfBytes(in.tensor_value().tensor_content()), out,
               ctx);
}

absl::Status Codec<Tensor>::DecodeMove(SerializedObject* in, Tensor* out, DecodeContext& ctx) {
  if (in->payload_case() != SerializedObject::kTensorValue) return ctx.Mismatch("tensor", *in);
  std::string content;
  in->mutable_tensor_value()->mutable_tensor_content()->swap(content);
  return Build(in->tensor_value(), std::move(content), out, ctx);
}

}  // namespace lp
