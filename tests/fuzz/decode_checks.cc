#include "tests/fuzz/decode_checks.h"

#include <typeinfo>

#include "absl/strings/str_cat.h"
#include "lp/serialized_object.h"

namespace lp::fuzz {
namespace {

// The failure of one CheckDecodeAs<T>, naming T.
template <typename T>
std::string Failure(const std::string& what) {
  return absl::StrCat("decoding as ", typeid(T).name(), ": ", what);
}

template <typename T>
std::string CheckDecodeAs(const courier::SerializedObject& wire) {
  absl::StatusOr<T> copied = lp::DecodeAs<T>(wire, "arg 0");
  courier::SerializedObject scratch = wire;
  absl::StatusOr<T> moved = lp::DecodeAs<T>(&scratch, "arg 0");
  if (copied.ok() != moved.ok()) {
    return Failure<T>(absl::StrCat("copying and moving disagree: ", copied.status().ToString(),
                                   " vs ", moved.status().ToString()));
  }
  if (!copied.ok()) {
    if (copied.status().code() != absl::StatusCode::kInvalidArgument) {
      return Failure<T>(absl::StrCat("failed with another code than INVALID_ARGUMENT: ",
                                     copied.status().ToString()));
    }
    if (copied.status().message().empty()) return Failure<T>("failed without a message");
    if (copied.status() != moved.status()) {
      return Failure<T>(
          absl::StrCat("copying and moving fail differently: ", copied.status().ToString(), " vs ",
                       moved.status().ToString()));
    }
    return "";
  }
  const std::string once = lp::Encode(*copied).SerializeAsString();
  if (lp::Encode(*moved).SerializeAsString() != once) {
    return Failure<T>("the copied and the moved value encode differently");
  }
  absl::StatusOr<T> again = lp::DecodeAs<T>(lp::Encode(*copied));
  if (!again.ok()) {
    return Failure<T>(absl::StrCat("a decoded value does not decode again after encoding: ",
                                   again.status().ToString()));
  }
  if (lp::Encode(*again).SerializeAsString() != once) {
    return Failure<T>("a decoded value changes on Encode → Decode → Encode");
  }
  return "";
}

}  // namespace

Record SampleRecord() {
  Record r;
  r.name = "sample";
  r.points = {{1, 2}, {-3, 255}, {1 << 20, 0}};
  r.scores = {{1, 0.5}, {-9, std::nullopt}};
  r.weights = lp::Tensor(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  r.extra = {true, lp::Unicode("u"), {7, -7}};
  return r;
}

std::string CheckDecodesAsManyTypes(const courier::SerializedObject& wire) {
  for (const std::string& failure : {
           CheckDecodeAs<Record>(wire),
           CheckDecodeAs<std::vector<Record>>(wire),
           CheckDecodeAs<Point>(wire),
           CheckDecodeAs<std::vector<Point>>(wire),
           CheckDecodeAs<lp::Tensor>(wire),
           CheckDecodeAs<std::string>(wire),
           CheckDecodeAs<lp::Unicode>(wire),
           CheckDecodeAs<std::vector<int8_t>>(wire),
           CheckDecodeAs<std::map<std::string, lp::Tensor>>(wire),
           CheckDecodeAs<std::map<int64_t, std::optional<double>>>(wire),
           CheckDecodeAs<std::tuple<bool, lp::Unicode, std::array<int16_t, 2>>>(wire),
           CheckDecodeAs<std::optional<std::vector<uint64_t>>>(wire),
       }) {
    if (!failure.empty()) return failure;
  }
  return "";
}

std::string CheckDecoder(std::string_view bytes) {
  absl::StatusOr<courier::SerializedObject> wire = lp::ParseSerializedObject(bytes);
  if (!wire.ok()) {
    if (wire.status().code() != absl::StatusCode::kInvalidArgument ||
        wire.status().message().empty()) {
      return absl::StrCat("a parse failure that is not INVALID_ARGUMENT with a message: ",
                          wire.status().ToString());
    }
    return "";
  }
  return CheckDecodesAsManyTypes(*wire);
}

}  // namespace lp::fuzz
