#ifndef LP_TESTS_COURIER_RPC_TEST_UTIL_H_
#define LP_TESTS_COURIER_RPC_TEST_UTIL_H_

// Helpers shared by the tests of the untyped Courier transport.

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "courier/courier.pb.h"
#include "lp/event.h"
#include "lp/serialize.h"
#include "lp/tensor.h"
#include "lp/call_options.h"

namespace lp::testing {

// Generous: the tests must pass on a loaded 2-core machine and under TSan.
inline constexpr absl::Duration kLong = absl::Seconds(60);

// The established TCP connections of this machine (its network namespace) with `port` at
// either end, from /proc/net/tcp and tcp6: a socket opened to a server of this process
// shows up twice (its two ends).
inline int ConnectionsOnPort(int port) {
  int count = 0;
  for (const char* path : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream table(path);
    std::string line;
    std::getline(table, line);  // the header
    while (std::getline(table, line)) {
      std::vector<std::string> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (fields.size() < 4 || fields[3] != "01") continue;  // 01: ESTABLISHED
      for (const std::string& end : {fields[1], fields[2]}) {
        const size_t colon = end.rfind(':');
        if (colon != std::string::npos &&
            std::strtol(end.c_str() + colon + 1, nullptr, 16) == port) {
          ++count;
        }
      }
    }
  }
  return count;
}

// Counts the handlers (or tasks) that entered and holds them until released.
// Thread safety: every method may be called from any thread.
class Gate {
 public:
  void Enter() {
    std::unique_lock<std::mutex> lock(mu_);
    ++entered_;
    changed_.notify_all();
    changed_.wait_for(lock, absl::ToChronoMilliseconds(kLong), [this] { return released_; });
  }
  bool AwaitEntered(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, absl::ToChronoMilliseconds(kLong),
                             [&] { return entered_ >= n; });
  }
  int entered() {
    std::lock_guard<std::mutex> lock(mu_);
    return entered_;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);  // notified under the lock: see docs/architecture.md
    released_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int entered_ = 0;        // guarded by mu_
  bool released_ = false;  // guarded by mu_
};

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

// A float tensor of `bytes` bytes whose every element depends on `seed` and its index.
inline Tensor PatternedTensor(size_t bytes, int seed) {
  Tensor tensor(DType::kFloat, {static_cast<int64_t>(bytes / sizeof(float))});
  std::span<float> values = tensor.span<float>();
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i % 9973) + seed;
  return tensor;
}

// A handler that returns PatternedTensor(bytes, seed) for its arguments (bytes, seed), as
// a learner returns its parameters to a small request.
inline absl::StatusOr<courier::SerializedObject> ReturnPatterned(courier::CallArguments& args) {
  if (args.args_size() != 2) return absl::InvalidArgumentError("Patterned takes (bytes, seed)");
  courier::SerializedObject result;
  Encode(PatternedTensor(static_cast<size_t>(args.args(0).int_value()),
                         static_cast<int>(args.args(1).int_value())),
         &result);
  return result;
}

inline CallOptions Timeout(absl::Duration timeout = kLong) {
  return CallOptions::WithTimeout(timeout);
}

// Sends `request` as it is to courier.CourierService/Call at `target`, bypassing
// CourierChannel's checks (as a client in another language could), compressed with
// `compression` if not none. Returns gRPC's status; `response` receives the reply.
inline grpc::Status RawCall(const std::string& target, grpc::ByteBuffer request,
                            grpc_compression_algorithm compression = GRPC_COMPRESS_NONE,
                            absl::Duration timeout = kLong, grpc::ByteBuffer* response = nullptr) {
  grpc::GenericStub stub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  grpc::ByteBuffer ignored;
  grpc::ClientContext context;
  if (compression != GRPC_COMPRESS_NONE) context.set_compression_algorithm(compression);
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  Event done;
  grpc::Status status;
  stub.UnaryCall(&context, "/courier.CourierService/Call", grpc::StubOptions(), &request,
                 response != nullptr ? response : &ignored, [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  if (!done.WaitFor(timeout + absl::Minutes(1))) {
    return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "RawCall: no answer");
  }
  return status;
}

inline grpc::Status RawCall(const std::string& target, const std::string& request) {
  grpc::Slice slice(request);
  return RawCall(target, grpc::ByteBuffer(&slice, 1));
}

}  // namespace lp::testing

#endif  // LP_TESTS_COURIER_RPC_TEST_UTIL_H_
