// UnknownMethodCall: how a Courier server answers a call of a gRPC method that none of its
// services has (a typo in a hand-written client, a stranger probing the port): at once,
// UNIMPLEMENTED, with a message that names the method and what the server does serve.
//
// Why lp asks gRPC for these calls itself. Without a generic service, gRPC 1.51 asks for
// them with an object of its own (grpc::Server::UnimplementedAsyncRequest) that gives
// itself to the server's queue from its base class's constructor. When the server is
// shutting down that request fails at once, and another thread polling the queue can take
// it back before the object is whole: it then runs the base class's FinalizeResult, which
// hands out a null tag. A Courier server's queue has several polling threads, so a stop
// that met such a call crashed: a SIGSEGV in about 1 of 1 400 runs of the RL program's
// stop under local_mt on a loaded machine (termination_test, 2026-12-06; the core showed
// one thread inside UnimplementedAsyncRequest's constructor and another with its null
// tag). This slot gives itself to gRPC only once it is whole.
#ifndef LP_SRC_COURIER_RPC_UNKNOWN_METHOD_CALL_H_
#define LP_SRC_COURIER_RPC_UNKNOWN_METHOD_CALL_H_

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include <functional>
#include <string>

#include "src/courier/rpc/completion_tag.h"
#include "src/courier/rpc/live_calls.h"

namespace lp::rpc {

// One slot for a call of an unknown method. One slot at a time is asked of gRPC: a call
// that arrives asks for the next before it is answered.
//
// Thread safety: the slot's two tags (the call arrived, its answer was sent) come back one
// after the other, on any of the executor's threads; gRPC orders them.
class UnknownMethodCall final : public CompletionTag {
 public:
  struct Slots {
    grpc::AsyncGenericService* service;  // registered with the server
    grpc::ServerCompletionQueue* queue;  // the server's, polled by its executor
    // The answer's message for a call of `method` (the caller's bytes: bound them).
    std::function<std::string(const std::string& method)> message;
    LiveCalls* live;  // where the slots count; it and these outlive every slot
  };

  // Asks gRPC for the next call of an unknown method into a new slot. Thread-safe.
  static void Ask(const Slots& slots) { new UnknownMethodCall(slots); }

  UnknownMethodCall(const UnknownMethodCall&) = delete;
  UnknownMethodCall& operator=(const UnknownMethodCall&) = delete;

  void OnComplete(bool ok) override {
    if (answered_ || !ok) {  // the answer went, or no call came: the server shut down
      LiveCalls& live = *slots_.live;
      delete this;
      live.Remove();
      return;
    }
    Ask(slots_);
    answered_ = true;
    Handed();
    // The request is never read: gRPC drops what the caller sent.
    stream_.Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                slots_.message(context_.method())),
                   this);  // this slot may be gone once it returns
  }

 private:
  explicit UnknownMethodCall(const Slots& slots) : slots_(slots) {
    slots.live->Add();
    Handed();
    slots.service->RequestCall(&context_, &stream_, slots.queue, slots.queue,
                               static_cast<CompletionTag*>(this));
  }
  ~UnknownMethodCall() = default;

  const Slots& slots_;
  grpc::GenericServerContext context_;
  grpc::GenericServerAsyncReaderWriter stream_{&context_};
  bool answered_ = false;  // set before the answer goes to gRPC
};

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_UNKNOWN_METHOD_CALL_H_
