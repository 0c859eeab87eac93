#ifndef LP_TESTS_COURIER_RPC_TEST_UTIL_H_
#define LP_TESTS_COURIER_RPC_TEST_UTIL_H_

// Helpers shared by the tests of the untyped Courier transport.

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "courier/courier.pb.h"
#include "lp/event.h"
#include "src/courier/rpc/call_options.h"

namespace lp::testing {

// Generous: the tests must pass on a loaded 2-core machine and under TSan.
inline constexpr absl::Duration kLong = absl::Seconds(60);

inline courier::SerializedObject Int(int64_t value) {
  courier::SerializedObject object;
  object.set_int_value(value);
  return object;
}

inline courier::CallArguments Args(std::vector<courier::SerializedObject> values) {
  courier::CallArguments args;
  for (auto& value : values) *args.add_args() = std::move(value);
  return args;
}

// A handler that returns its first argument.
inline absl::StatusOr<courier::SerializedObject> EchoFirst(courier::CallArguments& args) {
  if (args.args_size() == 0) return absl::InvalidArgumentError("Echo needs one argument");
  return std::move(*args.mutable_args(0));
}

inline CallOptions Timeout(absl::Duration timeout = kLong) {
  return CallOptions::WithTimeout(timeout);
}

}  // namespace lp::testing

#endif  // LP_TESTS_COURIER_RPC_TEST_UTIL_H_
