#include "bench/rpc/raw_grpc_echo.h"

#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "echo.grpc.pb.h"

namespace lp::bench {
namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "raw gRPC echo: %s\n", what.c_str());
  std::abort();
}

// Echoes by swapping the bytes from the request into the response. The request is
// const in the sync API but owned by the call; the Courier server does the same, so
// neither side pays a copy the other does not.
class EchoService final : public lp_bench::RawEcho::Service {
  grpc::Status Echo(grpc::ServerContext*, const lp_bench::Bytes* request,
                    lp_bench::Bytes* response) override {
    response->mutable_data()->swap(*const_cast<lp_bench::Bytes*>(request)->mutable_data());
    return grpc::Status::OK;
  }
};

class RawGrpcEcho final : public EchoClient {
 public:
  RawGrpcEcho() {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service_);
    builder.SetMaxReceiveMessageSize(-1);
    builder.SetMaxSendMessageSize(-1);
    server_ = builder.BuildAndStart();
    if (server_ == nullptr || port == 0) Die("cannot start the server");

    grpc::ChannelArguments arguments;
    arguments.SetMaxReceiveMessageSize(-1);
    arguments.SetMaxSendMessageSize(-1);
    stub_ = lp_bench::RawEcho::NewStub(grpc::CreateCustomChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials(), arguments));
  }
  ~RawGrpcEcho() override { server_->Shutdown(); }

  std::string Name() const override { return "raw gRPC"; }

  void SetPayload(size_t bytes, bool /*as_tensor*/) override {
    request_.set_data(std::string(bytes, 'x'));
  }

  void CallSync() override {
    grpc::ClientContext context;
    lp_bench::Bytes response;
    grpc::Status status = stub_->Echo(&context, request_, &response);
    if (!status.ok()) Die(status.error_message());
    request_.mutable_data()->swap(*response.mutable_data());  // back for the next call
  }

  void CallAsync(std::function<void()> done) override {
    struct Call {
      grpc::ClientContext context;
      lp_bench::Bytes request;
      lp_bench::Bytes response;
      std::function<void()> done;
    };
    auto* call = new Call;
    call->request = request_;
    call->done = std::move(done);
    stub_->async()->Echo(&call->context, &call->request, &call->response,
                         [call](grpc::Status status) {
                           if (!status.ok()) Die(status.error_message());
                           call->done();
                           delete call;
                         });
  }

 private:
  EchoService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<lp_bench::RawEcho::Stub> stub_;
  lp_bench::Bytes request_;
};

}  // namespace

std::unique_ptr<EchoClient> MakeRawGrpcEcho() { return std::make_unique<RawGrpcEcho>(); }

}  // namespace lp::bench
