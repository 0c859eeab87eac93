#include "bench/rpc/courier_echo.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "src/courier/rpc/channel.h"
#include "src/courier/rpc/server.h"

namespace lp::bench {
namespace {

[[noreturn]] void Die(const absl::Status& status) {
  std::fprintf(stderr, "Courier echo: %s\n", status.ToString().c_str());
  std::abort();
}

class CourierEcho final : public EchoClient {
 public:
  CourierEcho() {
    absl::Status registered = server_.RegisterMethod(
        "Echo", [](courier::CallArguments& args) -> absl::StatusOr<courier::SerializedObject> {
          return std::move(*args.mutable_args(0));
        });
    if (!registered.ok()) Die(registered);
    absl::StatusOr<int> port = server_.Start("127.0.0.1:0");
    if (!port.ok()) Die(port.status());
    channel_ = CourierChannel::Create("127.0.0.1:" + std::to_string(*port));
  }

  std::string Name() const override { return "lp Courier"; }

  void SetPayload(size_t bytes, bool as_tensor) override {
    args_.Clear();
    courier::SerializedObject* arg = args_.add_args();
    if (as_tensor) {
      tensorflow::TensorProto* tensor = arg->mutable_tensor_value();
      tensor->set_dtype(tensorflow::DT_FLOAT);
      tensor->mutable_tensor_shape()->add_dim()->set_size(static_cast<int64_t>(bytes / 4));
      tensor->set_tensor_content(std::string(bytes, 'x'));
    } else {
      arg->set_string_value(std::string(bytes, 'x'));
    }
  }

  void CallSync() override {
    absl::StatusOr<courier::SerializedObject> result =
        channel_->Call("Echo", std::move(args_), CallOptions());
    if (!result.ok()) Die(result.status());
    args_.Clear();
    *args_.add_args() = *std::move(result);  // back for the next call
  }

  void CallAsync(std::function<void()> done) override {
    channel_->CallAsync("Echo", args_, CallOptions(),
                        [done = std::move(done)](absl::StatusOr<courier::SerializedObject> result) {
                          if (!result.ok()) Die(result.status());
                          done();
                        });
  }

 private:
  CourierServer server_;
  std::shared_ptr<CourierChannel> channel_;
  courier::CallArguments args_;
};

}  // namespace

std::unique_ptr<EchoClient> MakeCourierEcho() { return std::make_unique<CourierEcho>(); }

}  // namespace lp::bench
