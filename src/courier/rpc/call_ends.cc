#include "src/courier/rpc/call_ends.h"

#include <grpc/grpc.h>
#include <grpc/support/time.h>

#include "src/courier/rpc/completion_tag.h"
#include "src/courier/rpc/grpc_library.h"

namespace lp::rpc {
namespace {

// A queue that no thread polls sockets through: taking from it only takes what is there.
std::unique_ptr<grpc::CompletionQueue> NewNonPollingQueue() {
  KeepGrpcInitialized();  // before gRPC's core is used, as every gRPC object does
  grpc_completion_queue_attributes attributes{GRPC_CQ_CURRENT_VERSION, GRPC_CQ_NEXT,
                                              GRPC_CQ_NON_POLLING, nullptr};
  grpc_completion_queue* queue = grpc_completion_queue_create(
      grpc_completion_queue_factory_lookup(&attributes), &attributes, nullptr);
  return std::make_unique<grpc::CompletionQueue>(queue);  // takes ownership
}

}  // namespace

CallEnds::CallEnds() : queue_(NewNonPollingQueue()) {}

CallEnds::~CallEnds() { Shutdown(); }

void CallEnds::Replied(std::size_t bytes) {
  replied_not_freed_.fetch_add(1, std::memory_order_relaxed);
  const int replies = replies_.fetch_add(1, std::memory_order_relaxed) + 1;
  const std::size_t reply_bytes =
      reply_bytes_.fetch_add(bytes, std::memory_order_relaxed) + bytes;
  if (replies < kRepliesPerCollection && reply_bytes < kBytesPerCollection) return;
  // Two threads may both cross the line and both collect: the second finds less to do.
  replies_.store(0, std::memory_order_relaxed);
  reply_bytes_.store(0, std::memory_order_relaxed);
  Collect();
}

int CallEnds::Collect() {
  void* tag = nullptr;
  bool ok = false;
  int collected = 0;
  while (queue_->AsyncNext(&tag, &ok, gpr_inf_past(GPR_CLOCK_MONOTONIC)) ==
         grpc::CompletionQueue::GOT_EVENT) {
    CompletionTag::Complete(tag, ok);
    ++collected;
  }
  return collected;
}

void CallEnds::CollectWithin(std::chrono::milliseconds timeout) {
  void* tag = nullptr;
  bool ok = false;
  if (queue_->AsyncNext(&tag, &ok, std::chrono::system_clock::now() + timeout) ==
      grpc::CompletionQueue::GOT_EVENT) {
    CompletionTag::Complete(tag, ok);
    Collect();
  }
}

void CallEnds::Shutdown() {
  if (shut_down_.exchange(true)) return;
  queue_->Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (queue_->Next(&tag, &ok)) CompletionTag::Complete(tag, ok);
}

}  // namespace lp::rpc
