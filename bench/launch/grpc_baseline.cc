#include "bench/launch/grpc_baseline.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

namespace lp::bench {
namespace {

// One unary call on the generic method that bench_launch_grpc_child answers.
grpc::Status CallOnce(int port) {
  grpc::GenericStub stub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                             grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  const grpc::Slice byte("p", 1);
  const grpc::ByteBuffer request(&byte, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  grpc::CompletionQueue queue;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> call =
      stub.PrepareUnaryCall(&context, "/bench.Baseline/Ping", request, &queue);
  call->StartCall();
  call->Finish(&response, &status, /*tag=*/nullptr);
  void* tag = nullptr;
  bool ok = false;
  if (!queue.Next(&tag, &ok) || !ok) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "the completion queue failed");
  }
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  return status;
}

}  // namespace

bool CallEachGrpcBaselineServer(const std::vector<int>& ports) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> pool;
  const size_t threads = std::min<size_t>(ports.size(), 16);
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i = next++; i < ports.size(); i = next++) {
        const grpc::Status status = CallOnce(ports[i]);
        if (!status.ok()) {
          std::fprintf(stderr, "gRPC baseline: the call to port %d failed: %s\n", ports[i],
                       status.error_message().c_str());
          failed = true;
        }
      }
    });
  }
  for (std::thread& thread : pool) thread.join();
  return !failed;
}

}  // namespace lp::bench
