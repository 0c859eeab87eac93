// lp::AnyValue: a Courier value carried as it arrived, without decoding it into C++ types.
//
//   lp::AnyValue item = lp::AnyValue::Of(lp::Tensor(std::vector<float>(256, 1.f)));
//   absl::StatusOr<lp::Tensor> back = item.As<lp::Tensor>();
//
// A parameter of type AnyValue in a Courier method (or a field of a serialized struct)
// takes whatever the caller sent — a tensor, a dict of numpy arrays from Python, a
// string — and keeps it as a courier::SerializedObject, so that a server can store and
// forward values whose C++ type it does not know (the replay node stores items this way).
//
// Copies: receiving an AnyValue from a request the server gives up (every Courier
// method's arguments) swaps the object out of the request: the bytes of its tensors and
// strings are not copied. Copies of an AnyValue share one immutable object. Encoding one
// (sending it, or a reply holding it) copies the object into the outgoing message once.
//
// Thread safety: immutable; copies may be used from any thread.
#ifndef LP_ANY_VALUE_H_
#define LP_ANY_VALUE_H_

#include <memory>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lp/serialize.h"

namespace lp {

namespace internal {
// A new empty SerializedObject on the heap (its type stays incomplete here, see wire.h).
std::shared_ptr<courier::SerializedObject> NewSerializedObject();
}  // namespace internal

class AnyValue {
 public:
  // None (Python's None).
  AnyValue();
  // Shares `object`, which must not be null and must not change from now on.
  explicit AnyValue(std::shared_ptr<const courier::SerializedObject> object);

  // `value` encoded (buffers of an rvalue are moved, see lp/serialize.h).
  template <typename T>
  static AnyValue Of(T&& value) {
    std::shared_ptr<courier::SerializedObject> object = internal::NewSerializedObject();
    lp::Encode(std::forward<T>(value), object.get());
    return AnyValue(std::move(object));
  }

  // The value decoded as a T (copying its buffers: the object stays shared), or
  // InvalidArgument naming `path` and what did not match.
  template <typename T>
  absl::StatusOr<T> As(std::string_view path = "") const {
    return DecodeAs<T>(*object_, path);
  }

  const courier::SerializedObject& object() const { return *object_; }
  const std::shared_ptr<const courier::SerializedObject>& shared() const { return object_; }

 private:
  std::shared_ptr<const courier::SerializedObject> object_;  // never null
};

template <>
struct Codec<AnyValue> {
  static void Encode(const AnyValue& value, courier::SerializedObject* out);
  static absl::Status Decode(const courier::SerializedObject& in, AnyValue* out,
                             DecodeContext& ctx);
  // Swaps `*in` into the new AnyValue: no bytes are copied.
  static absl::Status DecodeMove(courier::SerializedObject* in, AnyValue* out,
                                 DecodeContext& ctx);
};

}  // namespace lp

#endif  // LP_ANY_VALUE_H_
