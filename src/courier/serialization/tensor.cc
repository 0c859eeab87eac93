// lp::Tensor (include/lp/tensor.h).
#include "lp/tensor.h"

#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "courier/courier.pb.h"
#include "src/courier/serialization/tensor_bytes.h"

namespace lp {

std::string DTypeName(DType dtype) {
  switch (dtype) {
    case DType::kInvalid: return "invalid";
    case DType::kFloat: return "float";
    case DType::kDouble: return "double";
    case DType::kInt32: return "int32";
    case DType::kUInt8: return "uint8";
    case DType::kInt16: return "int16";
    case DType::kInt8: return "int8";
    case DType::kString: return "string";
    case DType::kInt64: return "int64";
    case DType::kBool: return "bool";
    case DType::kBFloat16: return "bfloat16";
    case DType::kUInt16: return "uint16";
    case DType::kHalf: return "half";
    case DType::kUInt32: return "uint32";
    case DType::kUInt64: return "uint64";
  }
  // The enum is open on the wire: a peer may send any number.
  return absl::StrCat("dtype ", static_cast<int32_t>(dtype));
}

size_t DTypeSize(DType dtype) {
  switch (dtype) {
    case DType::kInt8:
    case DType::kUInt8:
    case DType::kBool:
      return 1;
    case DType::kInt16:
    case DType::kUInt16:
    case DType::kBFloat16:
    case DType::kHalf:
      return 2;
    case DType::kFloat:
    case DType::kInt32:
    case DType::kUInt32:
      return 4;
    case DType::kDouble:
    case DType::kInt64:
    case DType::kUInt64:
      return 8;
    case DType::kInvalid:
    case DType::kString:
      return 0;
  }
  return 0;
}

namespace internal {

absl::StatusOr<size_t> TensorByteSize(DType dtype, std::span<const int64_t> shape) {
  size_t element_size = DTypeSize(dtype);
  if (element_size == 0) {
    return absl::InvalidArgumentError(
        dtype == DType::kString
            ? std::string("tensors of dtype string are not supported (only numeric and bool)")
            : absl::StrCat("unsupported tensor dtype: ", DTypeName(dtype)));
  }
  // Counting in size_t with overflow checks: a corrupted shape must not wrap around to a
  // small size that happens to match the bytes. Zero dimensions are left out of the
  // product, so that the same dimensions pass or fail in any order ([0, 2^62, 2^62] as
  // much as [2^62, 2^62, 0]); any zero then makes the tensor empty.
  size_t bytes = element_size;
  bool empty = false;
  for (int64_t dim : shape) {
    if (dim < 0) {
      return absl::InvalidArgumentError(absl::StrCat("tensor shape [", absl::StrJoin(shape, ", "),
                                                     "] has a negative dimension"));
    }
    if (dim == 0) {
      empty = true;
      continue;
    }
    if (__builtin_mul_overflow(bytes, static_cast<size_t>(dim), &bytes) ||
        bytes > static_cast<size_t>(INT64_MAX)) {
      return absl::InvalidArgumentError(
          absl::StrCat("tensor shape [", absl::StrJoin(shape, ", "), "] of ",
                       DTypeName(dtype), " is too large"));
    }
  }
  return empty ? 0 : bytes;
}

}  // namespace internal

Tensor::Tensor() : dtype_(DType::kFloat), shape_{0} {}

Tensor::Tensor(DType dtype, std::vector<int64_t> shape)
    : dtype_(dtype), shape_(std::move(shape)) {
  absl::StatusOr<size_t> size = internal::TensorByteSize(dtype_, shape_);
  if (!size.ok()) throw std::invalid_argument("lp::Tensor: " + std::string(size.status().message()));
  // Large tensors on huge pages: a program's parameters or observations, written once
  // and sent, fault 512 times fewer (tensor_bytes.h).
  bytes_ = internal::ZeroedBytes(*size);
}

Tensor::Tensor(const Tensor& other)
    : dtype_(other.dtype_), shape_(other.shape_), bytes_(internal::CopyOfBytes(other.bytes_)) {}

Tensor& Tensor::operator=(const Tensor& other) {
  if (this == &other) return *this;
  dtype_ = other.dtype_;
  shape_ = other.shape_;
  // Storage that holds the copy already has its pages: no fault to save.
  if (bytes_.capacity() >= other.bytes_.size()) {
    bytes_.assign(other.bytes_);
  } else {
    internal::RecycleBytes(std::move(bytes_));
    bytes_ = internal::CopyOfBytes(other.bytes_);
  }
  return *this;
}

Tensor& Tensor::operator=(Tensor&& other) noexcept {
  if (this == &other) return *this;
  internal::RecycleBytes(std::move(bytes_));
  dtype_ = other.dtype_;
  shape_ = std::move(other.shape_);
  bytes_ = std::move(other.bytes_);
  return *this;
}

Tensor::~Tensor() { internal::RecycleBytes(std::move(bytes_)); }

Tensor::Tensor(DType dtype, std::vector<int64_t> shape, std::string bytes)
    : dtype_(dtype), shape_(std::move(shape)), bytes_(std::move(bytes)) {}

absl::StatusOr<Tensor> Tensor::FromBytes(DType dtype, std::vector<int64_t> shape,
                                         std::string bytes) {
  absl::StatusOr<size_t> size = internal::TensorByteSize(dtype, shape);
  if (!size.ok()) return size.status();
  if (bytes.size() != *size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tensor of ", DTypeName(dtype), " with shape [", absl::StrJoin(shape, ", "), "] needs ",
        *size, " bytes of content, got ", bytes.size()));
  }
  if (dtype == DType::kBool) {
    // A C++ bool holding any byte but 0 or 1 is undefined behaviour when read.
    for (size_t i = 0; i < bytes.size(); ++i) {
      if (static_cast<unsigned char>(bytes[i]) > 1) {
        return absl::InvalidArgumentError(
            absl::StrCat("bool tensor element ", i, " has byte value ",
                         static_cast<unsigned char>(bytes[i]), "; bools must be 0 or 1"));
      }
    }
  }
  return Tensor(dtype, std::move(shape), std::move(bytes));
}

int64_t Tensor::NumElements() const {
  int64_t n = 1;
  for (int64_t dim : shape_) n *= dim;  // validated on construction: cannot overflow
  return n;
}

std::string Tensor::ReleaseBytes() {
  std::string bytes = std::move(bytes_);
  *this = Tensor();
  return bytes;
}

void Tensor::CheckElementType(DType requested) const {
  if (requested != dtype_) {
    throw std::invalid_argument("lp::Tensor: typed access as " + DTypeName(requested) +
                                " to a tensor of " + DTypeName(dtype_));
  }
}

bool operator==(const Tensor& a, const Tensor& b) {
  return a.dtype_ == b.dtype_ && a.shape_ == b.shape_ && a.bytes_ == b.bytes_;
}

}  // namespace lp
