// lp::Tensor: a dense, row-major, little-endian array of one element type, the C++ side of
// Courier's tensor_value (a TensorFlow TensorProto, so Python peers see numpy arrays).
//
//   lp::Tensor t(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
//   std::span<float> values = t.span<float>();    // checked against the dtype
//   lp::Tensor zeros(lp::DType::kInt64, {128});   // zero-filled
//
// The elements live in a std::string so that sending a Tensor by rvalue, or receiving one
// from a request the caller gives up, swaps the buffer into or out of the protobuf instead
// of copying it (see lp/serialize.h); Courier then sends the bytes from that buffer
// (docs/courier.md, "Moves"). Its storage is heap memory from operator new (or, for at
// most 15 bytes, inside the string object), aligned for every element type.
//
// Errors: misuse by the programmer (a typed view of the wrong dtype, a shape that does not
// match the data, a negative dimension) throws std::invalid_argument, like std::vector::at.
// Data from the wire is validated by FromBytes, which returns a Status instead.
#ifndef LP_INCLUDE_LP_TENSOR_H_
#define LP_INCLUDE_LP_TENSOR_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace lp {

// The element type; the values are TensorFlow's DataType numbers (tensor.proto).
enum class DType : int32_t {
  kInvalid = 0,
  kFloat = 1,
  kDouble = 2,
  kInt32 = 3,
  kUInt8 = 4,
  kInt16 = 5,
  kInt8 = 6,
  kString = 7,  // named so it can be reported; tensors of strings are not supported
  kInt64 = 9,
  kBool = 10,
  kBFloat16 = 14,
  kUInt16 = 17,
  kHalf = 19,
  kUInt32 = 22,
  kUInt64 = 23,
};

// "float", "int32", "bfloat16", ...; "dtype <n>" for numbers that are not a DType.
std::string DTypeName(DType dtype);

// Bytes per element; 0 for kInvalid, kString and unknown numbers (no fixed-size layout).
size_t DTypeSize(DType dtype);

// 16-bit floating point types have no standard C++ type before C++23; these carry the raw
// bits so that such tensors can be received, viewed and forwarded without conversion.
struct BFloat16 {
  uint16_t bits = 0;
  friend bool operator==(BFloat16, BFloat16) = default;
};
struct Half {
  uint16_t bits = 0;
  friend bool operator==(Half, Half) = default;
};

static_assert(sizeof(BFloat16) == 2 && sizeof(Half) == 2 && sizeof(bool) == 1);

// DTypeOf<T>::value is the DType of a C++ element type; undefined for other types.
template <typename T>
struct DTypeOf;
#define LP_INTERNAL_DTYPE_OF(Type, Value) \
  template <>                             \
  struct DTypeOf<Type> {                  \
    static constexpr DType value = DType::Value; \
  }
LP_INTERNAL_DTYPE_OF(float, kFloat);
LP_INTERNAL_DTYPE_OF(double, kDouble);
LP_INTERNAL_DTYPE_OF(int32_t, kInt32);
LP_INTERNAL_DTYPE_OF(uint8_t, kUInt8);
LP_INTERNAL_DTYPE_OF(int16_t, kInt16);
LP_INTERNAL_DTYPE_OF(int8_t, kInt8);
LP_INTERNAL_DTYPE_OF(int64_t, kInt64);
LP_INTERNAL_DTYPE_OF(bool, kBool);
LP_INTERNAL_DTYPE_OF(BFloat16, kBFloat16);
LP_INTERNAL_DTYPE_OF(uint16_t, kUInt16);
LP_INTERNAL_DTYPE_OF(Half, kHalf);
LP_INTERNAL_DTYPE_OF(uint32_t, kUInt32);
LP_INTERNAL_DTYPE_OF(uint64_t, kUInt64);
#undef LP_INTERNAL_DTYPE_OF

template <typename T>
concept TensorElement = requires { DTypeOf<T>::value; };

// The wire format is little-endian and the bytes are used in place.
static_assert(std::endian::native == std::endian::little,
              "lp::Tensor assumes a little-endian host");

class Tensor {
 public:
  // An empty float tensor of shape [0].
  Tensor();

  // A zero-filled tensor. Throws std::invalid_argument for a negative dimension, a shape
  // whose size overflows, or a dtype without a fixed element size (kString, kInvalid).
  Tensor(DType dtype, std::vector<int64_t> shape);

  // A copy's storage is made as the constructor above makes it: on huge pages, where the
  // kernel gives them, for a large tensor (a learner returning its parameters by copy
  // faults 512 times fewer). Assigning into a tensor whose storage is large enough reuses
  // that storage.
  Tensor(const Tensor& other);
  Tensor& operator=(const Tensor& other);
  Tensor(Tensor&& other) noexcept = default;
  Tensor& operator=(Tensor&& other) noexcept;
  // Storage of a few hundred KiB to a few MiB that a tensor gives up (destroyed or
  // assigned) is kept, up to 32 MiB in a process (LP_TENSOR_CACHE_MIB sets another
  // limit; 0 keeps none), for the next tensor of about its size: fresh memory of that size
  // costs a page fault per 4 KiB (docs/performance.md, "Storage that tensors give back").
  ~Tensor();

  // A copy of `values` with the given shape (product(shape) must equal values.size()).
  template <TensorElement T>
  Tensor(const std::vector<T>& values, std::vector<int64_t> shape);

  // A 1-D tensor holding a copy of `values`.
  template <TensorElement T>
  explicit Tensor(const std::vector<T>& values)
      : Tensor(values, {static_cast<int64_t>(values.size())}) {}

  // Adopts `bytes` (moved, not copied) as the elements, after checking that its size is
  // product(shape) * DTypeSize(dtype) and, for kBool, that every byte is 0 or 1.
  static absl::StatusOr<Tensor> FromBytes(DType dtype, std::vector<int64_t> shape,
                                          std::string bytes);

  DType dtype() const { return dtype_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  int64_t NumElements() const;
  size_t ByteSize() const { return bytes_.size(); }

  // The raw little-endian element bytes.
  const std::string& bytes() const { return bytes_; }
  // Moves the element bytes out and leaves *this an empty float tensor of shape [0].
  std::string ReleaseBytes();

  // Typed access. Throws std::invalid_argument if T is not this tensor's element type.
  template <TensorElement T>
  T* data() {
    CheckElementType(DTypeOf<T>::value);
    return reinterpret_cast<T*>(bytes_.data());
  }
  template <TensorElement T>
  const T* data() const {
    CheckElementType(DTypeOf<T>::value);
    return reinterpret_cast<const T*>(bytes_.data());
  }
  template <TensorElement T>
  std::span<T> span() {
    return {data<T>(), static_cast<size_t>(NumElements())};
  }
  template <TensorElement T>
  std::span<const T> span() const {
    return {data<T>(), static_cast<size_t>(NumElements())};
  }

  // Same dtype, shape and bytes.
  friend bool operator==(const Tensor& a, const Tensor& b);

 private:
  Tensor(DType dtype, std::vector<int64_t> shape, std::string bytes);

  // Throws std::invalid_argument naming both dtypes on a mismatch.
  void CheckElementType(DType requested) const;

  DType dtype_;
  std::vector<int64_t> shape_;
  std::string bytes_;
};

namespace internal {
// product(shape) * DTypeSize(dtype) in bytes, or an error for negative dimensions,
// overflow or a dtype without a fixed element size.
absl::StatusOr<size_t> TensorByteSize(DType dtype, std::span<const int64_t> shape);
}  // namespace internal

template <TensorElement T>
Tensor::Tensor(const std::vector<T>& values, std::vector<int64_t> shape)
    : Tensor(DTypeOf<T>::value, std::move(shape)) {
  if (static_cast<size_t>(NumElements()) != values.size()) {
    throw std::invalid_argument("lp::Tensor: shape holds " + std::to_string(NumElements()) +
                                " elements but " + std::to_string(values.size()) +
                                " values were given");
  }
  if constexpr (std::is_same_v<T, bool>) {
    // vector<bool> is packed bits, not an array of bool: copy one by one.
    for (size_t i = 0; i < values.size(); ++i) bytes_[i] = values[i] ? 1 : 0;
  } else if (!values.empty()) {
    std::memcpy(bytes_.data(), values.data(), values.size() * sizeof(T));
  }
}

}  // namespace lp

#endif  // LP_INCLUDE_LP_TENSOR_H_
