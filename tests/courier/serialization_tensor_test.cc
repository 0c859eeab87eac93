// lp::Tensor itself, its wire form, its validation, and the no-copy move paths.
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "lp/serialize.h"
#include "lp/serialized_object.h"
#include "lp/tensor.h"

namespace ser_tensor_test {

struct Batch {
  lp::Tensor observations;
  std::vector<lp::Tensor> extras;
};
LP_SERIALIZABLE(Batch, observations, extras);

}  // namespace ser_tensor_test

namespace {

using courier::SerializedObject;
using lp::DType;
using lp::Tensor;

TEST(TensorTest, ZeroFilledShapeAndSizes) {
  Tensor t(DType::kInt32, {2, 3});
  EXPECT_EQ(t.dtype(), DType::kInt32);
  EXPECT_EQ(t.shape(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(t.NumElements(), 6);
  EXPECT_EQ(t.ByteSize(), 24u);
  for (int32_t v : t.span<int32_t>()) EXPECT_EQ(v, 0);

  Tensor scalar(DType::kDouble, {});
  EXPECT_EQ(scalar.NumElements(), 1);
  EXPECT_EQ(Tensor(DType::kFloat, {4, 0}).ByteSize(), 0u);
  EXPECT_EQ(Tensor().dtype(), DType::kFloat);
  EXPECT_EQ(Tensor().NumElements(), 0);
}

TEST(TensorTest, FromVectorAndTypedViews) {
  Tensor t(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(t.dtype(), DType::kFloat);
  t.span<float>()[5] = 60;
  EXPECT_EQ(t.data<float>()[5], 60.f);
  const Tensor& ct = t;
  EXPECT_EQ(ct.span<float>().size(), 6u);
  float third;
  std::memcpy(&third, t.bytes().data() + 8, 4);  // row-major, little-endian in place
  EXPECT_EQ(third, 3.f);

  Tensor bools(std::vector<bool>{true, false, true});
  EXPECT_EQ(bools.shape(), std::vector<int64_t>{3});
  EXPECT_EQ(bools.bytes(), std::string("\x01\x00\x01", 3));
}

TEST(TensorTest, MisuseThrowsInvalidArgument) {
  Tensor t(std::vector<float>{1, 2});
  EXPECT_THROW(t.data<double>(), std::invalid_argument);
  EXPECT_THROW(t.span<int32_t>(), std::invalid_argument);
  EXPECT_THROW(Tensor(std::vector<float>{1, 2, 3}, {2, 2}), std::invalid_argument);
  EXPECT_THROW(Tensor(DType::kFloat, {2, -1}), std::invalid_argument);
  EXPECT_THROW(Tensor(DType::kString, {1}), std::invalid_argument);
  EXPECT_THROW(Tensor(DType::kInt64, {INT64_MAX, 4}), std::invalid_argument);
  try {
    t.data<int64_t>();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "lp::Tensor: typed access as int64 to a tensor of float");
  }
}

template <typename T>
void ExpectRoundTrip(std::vector<T> values, DType dtype) {
  Tensor t(values, {static_cast<int64_t>(values.size()), 1});
  ASSERT_EQ(t.dtype(), dtype);
  SerializedObject wire = lp::Encode(t);
  ASSERT_TRUE(wire.has_tensor_value());
  EXPECT_EQ(static_cast<int>(wire.tensor_value().dtype()), static_cast<int>(dtype));
  std::string bytes = wire.SerializeAsString();
  absl::StatusOr<SerializedObject> parsed = lp::ParseSerializedObject(bytes);
  ASSERT_TRUE(parsed.ok());
  absl::StatusOr<Tensor> back = lp::DecodeAs<Tensor>(*parsed);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, t);
  std::span<const T> view = std::as_const(*back).template span<T>();
  for (size_t i = 0; i < values.size(); ++i) EXPECT_TRUE(view[i] == values[i]) << i;
}

TEST(TensorTest, EveryDTypeRoundTrips) {
  ExpectRoundTrip<float>({1.5f, -2}, DType::kFloat);
  ExpectRoundTrip<double>({1e300, -0.0}, DType::kDouble);
  ExpectRoundTrip<int32_t>({INT32_MIN, 7}, DType::kInt32);
  ExpectRoundTrip<uint8_t>({0, 255}, DType::kUInt8);
  ExpectRoundTrip<int16_t>({-300, 300}, DType::kInt16);
  ExpectRoundTrip<int8_t>({-128, 127}, DType::kInt8);
  ExpectRoundTrip<int64_t>({INT64_MIN, INT64_MAX}, DType::kInt64);
  ExpectRoundTrip<bool>({true, false}, DType::kBool);
  ExpectRoundTrip<lp::BFloat16>({{0x3f80}, {0xc000}}, DType::kBFloat16);
  ExpectRoundTrip<uint16_t>({0, 65535}, DType::kUInt16);
  ExpectRoundTrip<lp::Half>({{0x3c00}, {0x7bff}}, DType::kHalf);
  ExpectRoundTrip<uint32_t>({0, UINT32_MAX}, DType::kUInt32);
  ExpectRoundTrip<uint64_t>({0, UINT64_MAX}, DType::kUInt64);
}

TEST(TensorTest, WireFormatIsTensorProto) {
  SerializedObject wire = lp::Encode(Tensor(std::vector<int16_t>{1, 2, 3, 4, 5, 6}, {3, 2}));
  const tensorflow::TensorProto& proto = wire.tensor_value();
  EXPECT_EQ(proto.dtype(), tensorflow::DT_INT16);
  ASSERT_EQ(proto.tensor_shape().dim_size(), 2);
  EXPECT_EQ(proto.tensor_shape().dim(0).size(), 3);
  EXPECT_EQ(proto.tensor_shape().dim(1).size(), 2);
  EXPECT_EQ(proto.tensor_content(), std::string("\1\0\2\0\3\0\4\0\5\0\6\0", 12));
}

TEST(TensorTest, EncodeMoveAndDecodeMoveDoNotCopy) {
  Tensor t(DType::kFloat, {256, 1024});
  t.span<float>()[12345] = 4.5f;
  const float* buffer = t.data<float>();

  SerializedObject wire;
  lp::Encode(std::move(t), &wire);
  EXPECT_EQ(static_cast<const void*>(wire.tensor_value().tensor_content().data()), buffer);

  Tensor back;
  ASSERT_TRUE(lp::Decode(&wire, &back).ok());
  EXPECT_EQ(back.data<float>(), buffer);
  EXPECT_EQ(back.span<float>()[12345], 4.5f);
  EXPECT_EQ(back.shape(), (std::vector<int64_t>{256, 1024}));
}

TEST(TensorTest, CopyPathsLeaveSourcesIntact) {
  Tensor t(std::vector<double>(1000, 2.0));
  SerializedObject wire = lp::Encode(t);  // lvalue: copied
  EXPECT_NE(static_cast<const void*>(wire.tensor_value().tensor_content().data()),
            t.data<double>());
  EXPECT_EQ(t.NumElements(), 1000);
  absl::StatusOr<Tensor> back = lp::DecodeAs<Tensor>(std::as_const(wire));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(wire.tensor_value().tensor_content().size(), 8000u);
  EXPECT_EQ(*back, t);
}

TEST(TensorTest, MovePathsReachTensorsInsideContainersAndStructs) {
  std::vector<Tensor> tensors;
  tensors.emplace_back(DType::kUInt8, std::vector<int64_t>{4096});
  tensors.emplace_back(DType::kInt64, std::vector<int64_t>{512});
  ser_tensor_test::Batch batch{Tensor(DType::kDouble, {64, 64}), std::move(tensors)};
  const void* obs = batch.observations.bytes().data();
  const void* extra1 = batch.extras[1].bytes().data();

  std::tuple<ser_tensor_test::Batch, int> value{std::move(batch), 3};
  SerializedObject wire;
  lp::Encode(std::move(value), &wire);

  absl::StatusOr<std::tuple<ser_tensor_test::Batch, int>> back =
      lp::DecodeAs<std::tuple<ser_tensor_test::Batch, int>>(&wire);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(std::get<0>(*back).observations.bytes().data(), obs);
  EXPECT_EQ(std::get<0>(*back).extras[1].bytes().data(), extra1);
  EXPECT_EQ(std::get<0>(*back).extras[0].NumElements(), 4096);
  EXPECT_EQ(std::get<1>(*back), 3);
}

// A tensor proto with the given fields, for the validation tests.
SerializedObject TensorWire(int dtype, std::vector<int64_t> dims, std::string content) {
  SerializedObject wire;
  tensorflow::TensorProto* proto = wire.mutable_tensor_value();
  proto->set_dtype(static_cast<tensorflow::DataType>(dtype));
  for (int64_t d : dims) proto->mutable_tensor_shape()->add_dim()->set_size(d);
  proto->set_tensor_content(std::move(content));
  return wire;
}

std::string DecodeError(SerializedObject wire) {
  absl::StatusOr<Tensor> t = lp::DecodeAs<Tensor>(wire, "arg 0");
  absl::StatusOr<Tensor> moved = lp::DecodeAs<Tensor>(&wire, "arg 0");
  EXPECT_EQ(t.status(), moved.status());
  return t.ok() ? "OK" : std::string(t.status().message());
}

TEST(TensorTest, DecodeValidatesEverything) {
  EXPECT_EQ(DecodeError(TensorWire(tensorflow::DT_FLOAT, {2, 3}, std::string(24, '\0'))), "OK");
  EXPECT_EQ(DecodeError(TensorWire(tensorflow::DT_FLOAT, {2, 3}, std::string(20, '\0'))),
            "arg 0: tensor of float with shape [2, 3] needs 24 bytes of content, got 20");
  EXPECT_EQ(DecodeError(TensorWire(tensorflow::DT_INT32, {2, -3}, "")),
            "arg 0: tensor shape [2, -3] has a negative dimension");
  EXPECT_EQ(DecodeError(TensorWire(tensorflow::DT_DOUBLE, {1LL << 40, 1LL << 30}, "")),
            "arg 0: tensor shape [1099511627776, 1073741824] of double is too large");
  EXPECT_EQ(DecodeError(TensorWire(tensorflow::DT_STRING, {1}, "x")),
            "arg 0: tensors of dtype string are not supported (only numeric and bool)");
  EXPECT_EQ(DecodeError(TensorWire(tensorflow::DT_INVALID, {1}, "x")),
            "arg 0: unsupported tensor dtype: invalid");
  EXPECT_EQ(DecodeError(TensorWire(42, {1}, "x")), "arg 0: unsupported tensor dtype: dtype 42");
  EXPECT_EQ(DecodeError(TensorWire(tensorflow::DT_BOOL, {3}, std::string("\1\0\2", 3))),
            "arg 0: bool tensor element 2 has byte value 2; bools must be 0 or 1");
}

// The same dimensions pass or fail whatever their order, zeros included.
TEST(TensorTest, ZeroElementShapesAreCheckedInAnyOrder) {
  constexpr int64_t k62 = int64_t{1} << 62;
  const std::string too_large = "of float is too large";
  for (std::vector<int64_t> dims : std::vector<std::vector<int64_t>>{
           {0, k62, k62}, {k62, k62, 0}, {k62, 0, k62}, {int64_t{1} << 61, 4, 0}}) {
    EXPECT_NE(DecodeError(TensorWire(tensorflow::DT_FLOAT, dims, "")).find(too_large),
              std::string::npos)
        << dims[0] << ", " << dims[1] << ", " << dims[2];
  }
  EXPECT_EQ(DecodeError(TensorWire(tensorflow::DT_FLOAT, {0, int64_t{1} << 40}, "")), "OK");
  EXPECT_EQ(DecodeError(TensorWire(tensorflow::DT_FLOAT, {int64_t{1} << 40, 0}, "")), "OK");
}

// TensorFlow's typed value fields, as TF's make_tensor_proto writes small tensors.
TEST(TensorTest, TypedValueFieldsAreDecoded) {
  SerializedObject wire = TensorWire(tensorflow::DT_FLOAT, {2, 2}, "");
  for (float v : {1.5f, -2.f, 3.f, 4.25f}) wire.mutable_tensor_value()->add_float_val(v);
  absl::StatusOr<Tensor> floats = lp::DecodeAs<Tensor>(wire);
  ASSERT_TRUE(floats.ok()) << floats.status();
  EXPECT_EQ(*floats, Tensor(std::vector<float>{1.5f, -2.f, 3.f, 4.25f}, {2, 2}));

  wire = TensorWire(tensorflow::DT_INT64, {3}, "");
  wire.mutable_tensor_value()->add_int64_val(-7);  // fewer values: the last repeats
  absl::StatusOr<Tensor> int64s = lp::DecodeAs<Tensor>(wire);
  ASSERT_TRUE(int64s.ok()) << int64s.status();
  EXPECT_EQ(*int64s, Tensor(std::vector<int64_t>{-7, -7, -7}, {3}));

  wire = TensorWire(tensorflow::DT_INT8, {2}, "");
  wire.mutable_tensor_value()->add_int_val(-3);
  wire.mutable_tensor_value()->add_int_val(5);
  absl::StatusOr<Tensor> int8s = lp::DecodeAs<Tensor>(wire);
  ASSERT_TRUE(int8s.ok()) << int8s.status();
  EXPECT_EQ(*int8s, Tensor(std::vector<int8_t>{-3, 5}, {2}));

  wire = TensorWire(tensorflow::DT_BOOL, {2}, "");
  wire.mutable_tensor_value()->add_bool_val(true);
  wire.mutable_tensor_value()->add_bool_val(false);
  absl::StatusOr<Tensor> bools = lp::DecodeAs<Tensor>(wire);
  ASSERT_TRUE(bools.ok()) << bools.status();
  EXPECT_EQ(*bools, Tensor(std::vector<bool>{true, false}));

  wire = TensorWire(tensorflow::DT_DOUBLE, {1}, "");
  wire.mutable_tensor_value()->add_double_val(1);
  wire.mutable_tensor_value()->add_double_val(2);
  EXPECT_EQ(DecodeError(wire), "arg 0: tensor has 2 values in double_val but its shape holds 1");
  // A handful of bytes must not make the receiver allocate gigabytes.
  wire = TensorWire(tensorflow::DT_FLOAT, {int64_t{1} << 30}, "");
  wire.mutable_tensor_value()->add_float_val(1);
  EXPECT_NE(DecodeError(wire).find("repeating the last value is done up to"), std::string::npos);
}

// Kinds DeepMind's Python Courier sends that this implementation does not support.
TEST(TensorTest, UnsupportedWireKindsAreNamed) {
  SerializedObject jax;
  // Field 15 (jax_tensor_value), length-delimited, holding an empty TensorProto.
  ASSERT_TRUE(jax.ParseFromString(std::string("\x7a\x00", 2)));
  EXPECT_EQ(DecodeError(jax),
            "arg 0: expected tensor, got jax_tensor_value (a JAX array), field 15, which is "
            "not supported here");
  EXPECT_EQ(DecodeError(SerializedObject()), "arg 0: expected tensor, got empty (no value set)");
}

TEST(TensorTest, FromBytesAdoptsTheBuffer) {
  std::string bytes(4096, '\0');
  const char* buffer = bytes.data();
  absl::StatusOr<Tensor> t = Tensor::FromBytes(DType::kInt32, {1024}, std::move(bytes));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->bytes().data(), buffer);
  EXPECT_FALSE(Tensor::FromBytes(DType::kInt32, {1024}, "").ok());
}

}  // namespace
