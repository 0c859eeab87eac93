// AnsweredOnArrival: a call of an asynchronous service answered by the thread that takes
// it off the server's completion queue. For the small unary methods a Courier server
// answers besides Call (ListMethods, the health check: UnaryCall), and for calls of gRPC
// methods the server does not have (UnknownMethodCall, unknown_method_call.h).
#ifndef LP_SRC_COURIER_RPC_ANSWERED_ON_ARRIVAL_H_
#define LP_SRC_COURIER_RPC_ANSWERED_ON_ARRIVAL_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/async_unary_call.h>
#include <grpcpp/support/status.h>

#include <functional>

#include "src/courier/rpc/completion_tag.h"
#include "src/courier/rpc/live_calls.h"

namespace lp::rpc {

// The parts of one call of a unary method, for AnsweredOnArrival.
template <typename Request, typename Response>
struct UnaryCall {
  // Sends the reply: `response` if `status` is OK.
  void Finish(const grpc::Status& status, void* tag) { writer.Finish(response, status, tag); }

  grpc::ServerContext context;
  Request request;
  Response response;
  grpc::ServerAsyncResponseWriter<Response> writer{&context};
};

// The methods answered here block on nothing, so the executor's thread that takes a call
// answers it at once, with no handler thread. They are served on the server's own queue
// rather than through gRPC's callback API, because a process that uses that API at all
// runs gRPC's two callback threads, which wake about ten times a second each however idle
// it is (docs/performance.md, "A worker without gRPC's callback threads").
//
// One slot at a time is asked of gRPC for each method: a call that arrives asks for the
// next before it is answered (calls that come meanwhile wait in gRPC for the slot). A slot
// gives itself to gRPC only once it is whole (see unknown_method_call.h for why that
// matters). `Call` holds the parts of one call and has Finish(status, tag), which sends
// the answer.
template <typename Call>
class AnsweredOnArrival final : public CompletionTag {
 public:
  struct Method {
    // Asks gRPC for the next call of the method into `call`, with `tag`: for a unary
    // method, the service's RequestX(&call.context, &call.request, &call.writer, queue,
    // queue, tag).
    std::function<void(Call& call, void* tag)> ask;
    // The answer to the call that arrived in `call`; for a unary method, OK means
    // call.response, which it fills.
    std::function<grpc::Status(Call& call)> answer;
    // Where the slots count; it and the method outlive every slot.
    LiveCalls* live;
  };

  // Asks gRPC for the next call of `method` into a new slot, unless the server is shutting
  // down (LiveCalls::AskUnlessStopped). Thread-safe.
  static void Ask(const Method& method) {
    method.live->AskUnlessStopped([&method] { new AnsweredOnArrival(method); });
  }

  AnsweredOnArrival(const AnsweredOnArrival&) = delete;
  AnsweredOnArrival& operator=(const AnsweredOnArrival&) = delete;

  // Thread safety: the slot's two tags (the call arrived, its answer was sent) come back
  // one after the other, on any of the executor's threads; gRPC orders them.
  void OnComplete(bool ok) override {
    if (answered_ || !ok) {  // the answer went, or no call came: the server shut down
      LiveCalls& live = *method_.live;
      delete this;
      live.Remove();
      return;
    }
    Ask(method_);
    const grpc::Status status = method_.answer(call_);
    answered_ = true;
    Handed();
    call_.Finish(status, this);  // this slot may be gone once it returns
  }

 private:
  explicit AnsweredOnArrival(const Method& method) : method_(method) {
    method.live->Add();
    Handed();
    method.ask(call_, static_cast<CompletionTag*>(this));
  }
  ~AnsweredOnArrival() = default;

  const Method& method_;
  Call call_;
  bool answered_ = false;  // set before the answer goes to gRPC
};

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_ANSWERED_ON_ARRIVAL_H_
