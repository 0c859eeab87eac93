#include "tests/fuzz/reply_checks.h"

#include <grpcpp/support/byte_buffer.h>

#include <cstddef>
#include <string>

#include "absl/strings/str_cat.h"
#include "courier/courier.pb.h"
#include "src/courier/rpc/received_tensors.h"
#include "tests/fuzz/same_values.h"
#include "tests/fuzz/sliced_buffer.h"

namespace lp::fuzz {

std::string ReplyInput(const std::string& reply) { return std::string(1, '\0') + reply; }

std::string CheckReply(std::string_view input) {
  if (input.empty()) return "";
  const size_t slice_bytes = static_cast<unsigned char>(input[0]);
  input.remove_prefix(1);
  courier::CallResponse expected;
  const bool parses = expected.ParseFromArray(input.data(), static_cast<int>(input.size()));
  for (const size_t by_hand_from : {rpc::kMinBytesReadByHand, size_t{0}, size_t{16}}) {
    grpc::ByteBuffer reply = SlicedBuffer(input, slice_bytes);
    courier::SerializedObject result;
    const bool read = rpc::ReadResult(reply, result, by_hand_from);
    const std::string how = absl::StrCat(" (by hand from ", by_hand_from, " bytes)");
    if (read != parses) {
      return absl::StrCat("the client ", read ? "reads" : "refuses", " a reply that protobuf ",
                          parses ? "parses" : "refuses", how);
    }
    if (read && !SameValues(result, *expected.mutable_result()->mutable_result())) {
      return absl::StrCat("the result read differs from protobuf's parse of the reply", how);
    }
  }
  return "";
}

}  // namespace lp::fuzz
