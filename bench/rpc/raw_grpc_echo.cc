#include "bench/rpc/raw_grpc_echo.h"

#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "echo.grpc.pb.h"
#include "lp/event.h"

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
  grpc::Status Consume(grpc::ServerContext*, const lp_bench::Bytes* request,
                       lp_bench::Count* response) override {
    response->set_count(static_cast<int64_t>(request->data().size() / sizeof(float)));
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

  void SetEchoPayload(size_t bytes) override { request_.set_data(std::string(bytes, 'x')); }

  void Echo() override {
    grpc::ClientContext context;
    lp_bench::Bytes response;
    grpc::Status status = stub_->Echo(&context, request_, &response);
    if (!status.ok()) Die(status.error_message());
    request_.mutable_data()->swap(*response.mutable_data());  // back for the next call
  }

  std::unique_ptr<Pending> StartEcho() override {
    // The generated stub's callback API, completed into an event: a future by hand.
    class RawPending final : public Pending {
     public:
      RawPending(lp_bench::RawEcho::Stub* stub, const lp_bench::Bytes& request)
          : request_(request) {
        stub->async()->Echo(&context_, &request_, &response_, [this](grpc::Status status) {
          status_ = std::move(status);
          done_.Notify();
        });
      }
      void Wait() override {
        done_.Wait();
        if (!status_.ok()) Die(status_.error_message());
        if (response_.data().size() != request_.data().size()) Die("wrong echo size");
      }

     private:
      grpc::ClientContext context_;
      lp_bench::Bytes request_;
      lp_bench::Bytes response_;
      grpc::Status status_;
      Event done_;
    };
    return std::make_unique<RawPending>(stub_.get(), request_);
  }

  void SetTransferBytes(size_t bytes) override { transfer_.set_data(std::string(bytes, '\0')); }

  // The request is serialized from const: it stays ready for the next call.
  void PrepareTransfer() override {}

  void Transfer() override {
    grpc::ClientContext context;
    lp_bench::Count count;
    grpc::Status status = stub_->Consume(&context, transfer_, &count);
    if (!status.ok()) Die(status.error_message());
    if (count.count() != static_cast<int64_t>(transfer_.data().size() / sizeof(float))) {
      Die("wrong count");
    }
  }

 private:
  EchoService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<lp_bench::RawEcho::Stub> stub_;
  lp_bench::Bytes request_;
  lp_bench::Bytes transfer_;
};

}  // namespace

std::unique_ptr<EchoClient> MakeRawGrpcEcho() { return std::make_unique<RawGrpcEcho>(); }

}  // namespace lp::bench
