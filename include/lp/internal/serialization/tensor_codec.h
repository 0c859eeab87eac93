// Codec for lp::Tensor: tensor_value, a TensorFlow TensorProto with dtype, shape and the
// elements as tensor_content. Dimension names are not carried (dropped on decode); a proto
// that keeps its elements in TensorFlow's typed repeated fields (float_val, ...) instead of
// tensor_content is not understood and fails the size check.
//
// The move paths are what keep tensor traffic near raw gRPC bandwidth: EncodeMove swaps the
// tensor's buffer into tensor_content and DecodeMove swaps it back out, so a tensor crosses
// the serialization layer without a copy of its elements (and the transport sends
// tensor_content from that buffer: src/courier/rpc/shared_serialization.h).
#ifndef LP_INTERNAL_SERIALIZATION_TENSOR_CODEC_H_
#define LP_INTERNAL_SERIALIZATION_TENSOR_CODEC_H_

#include "absl/status/status.h"
#include "lp/internal/serialization/wire.h"
#include "lp/tensor.h"
#include "lp/internal/serialization/codec.h"
#include "lp/internal/serialization/decode_context.h"

namespace lp {

template <>
struct Codec<Tensor> {
  static void Encode(const Tensor& value, courier::SerializedObject* out);
  static void EncodeMove(Tensor&& value, courier::SerializedObject* out);
  static absl::Status Decode(const courier::SerializedObject& in, Tensor* out,
                             DecodeContext& ctx);
  static absl::Status DecodeMove(courier::SerializedObject* in, Tensor* out,
                                 DecodeContext& ctx);
};

}  // namespace lp

#endif  // LP_INTERNAL_SERIALIZATION_TENSOR_CODEC_H_
