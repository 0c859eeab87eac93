// AnsweredOnArrival: a unary method of an asynchronous service, answered by the thread
// that takes its call off the server's completion queue.
#ifndef LP_SRC_COURIER_RPC_ANSWERED_ON_ARRIVAL_H_
#define LP_SRC_COURIER_RPC_ANSWERED_ON_ARRIVAL_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/async_unary_call.h>
#include <grpcpp/support/status.h>

#include <functional>

#include "src/courier/rpc/completion_tag.h"
#include "src/courier/rpc/live_calls.h"

namespace lp::rpc {

// For the small methods a Courier server answers besides Call (ListMethods, the health
// check): they block on nothing, so the executor's thread that takes a call answers it
// at once, with no handler thread. They are served on the server's own queue rather than
// through gRPC's callback API, because a process that uses that API at all runs gRPC's
// two callback threads, which wake about ten times a second each however idle it is
// (docs/performance.md, "A worker without gRPC's callback threads").
//
// One slot at a time is asked of gRPC for each method: a call that arrives asks for the
// next before it is answered (calls that come meanwhile wait in gRPC for the slot).
template <typename Request, typename Response>
class AnsweredOnArrival final : public CompletionTag {
 public:
  struct Method {
    // Asks gRPC for the next call of the method into these parts, with `tag`: the
    // service's RequestX(context, request, writer, queue, queue, tag).
    std::function<void(grpc::ServerContext*, Request*,
                       grpc::ServerAsyncResponseWriter<Response>*, void* tag)>
        ask;
    // The reply to one call: fills the response if it returns OK.
    std::function<grpc::Status(const grpc::ServerContext&, const Request&, Response&)> answer;
    // Where the slots count; it and the method outlive every slot.
    LiveCalls* live;
  };

  // Asks gRPC for the next call of `method` into a new slot. Thread-safe.
  static void Ask(const Method& method) { new AnsweredOnArrival(method); }

  AnsweredOnArrival(const AnsweredOnArrival&) = delete;
  AnsweredOnArrival& operator=(const AnsweredOnArrival&) = delete;

  // Thread safety: the slot's two tags (the call arrived, its reply was sent) come back
  // one after the other, on any of the executor's threads; gRPC orders them.
  void OnComplete(bool ok) override {
    if (answered_ || !ok) {  // the reply went, or no call came: the server shut down
      LiveCalls& live = *method_.live;
      delete this;
      live.Remove();
      return;
    }
    Ask(method_);
    const grpc::Status status = method_.answer(context_, request_, response_);
    answered_ = true;
    Handed();
    writer_.Finish(response_, status, this);  // this slot may be gone once it returns
  }

 private:
  explicit AnsweredOnArrival(const Method& method) : method_(method) {
    method.live->Add();
    Handed();
    method.ask(&context_, &request_, &writer_, static_cast<CompletionTag*>(this));
  }
  ~AnsweredOnArrival() = default;

  const Method& method_;
  grpc::ServerContext context_;
  Request request_;
  Response response_;
  grpc::ServerAsyncResponseWriter<Response> writer_{&context_};
  bool answered_ = false;  // set before the reply goes to gRPC
};

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_ANSWERED_ON_ARRIVAL_H_
