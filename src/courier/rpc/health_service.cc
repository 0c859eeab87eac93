#include "src/courier/rpc/health_service.h"

#include <grpcpp/ext/health_check_service_server_builder_option.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/impl/rpc_service_method.h>
#include <grpcpp/support/async_stream.h>

#include <atomic>
#include <utility>

#include "absl/strings/str_cat.h"
#include "src/courier/rpc/completion_tag.h"

namespace lp::rpc {
namespace {

constexpr int kCheck = 0;  // the methods' indices, in the order they are added
constexpr int kWatch = 1;

}  // namespace

// Hands gRPC's server this service in place of its default health service, and forwards
// what the server asks of it. Owned by the grpc::Server.
class HealthService::Interface final : public grpc::HealthCheckServiceInterface {
 public:
  explicit Interface(HealthService* service) : service_(service) {}

  void SetServingStatus(const std::string& service_name, bool serving) override {
    if (service_name.empty()) service_->SetServing(serving);  // lp serves no other name
  }
  void SetServingStatus(bool serving) override { service_->SetServing(serving); }
  void Shutdown() override { service_->Shutdown(); }

 private:
  HealthService* const service_;
};

// One Watch stream, from the slot asked of gRPC to its end. Its slot tag comes back when
// the call arrived, then after each write and after the end (Finish), one at a time; its
// done_ tag when the call is over, whenever that is (the watcher went away). It is
// deleted when both are back, or when the first comes back empty (no call came: the
// server shut down, and gRPC then never returns done_).
//
// At most one write is outstanding: a status that changes meanwhile is sent when it
// completes, and only the latest. The stream is ended once the service shut down (after
// NOT_SERVING was sent) or the watcher went away.
//
// Thread safety: the tags come back on any of the executor's threads; what they share
// with the service's other threads is guarded by the service's mu_.
class HealthService::Watch final : public CompletionTag {
 public:
  static void Ask(HealthService& service) {
    service.live_calls_.AskUnlessStopped([&service] { new Watch(service); });
  }

  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;

  void OnComplete(bool ok) override {
    switch (stage_) {
      case Stage::kAsked:
        if (!ok) return Unref(2);  // no call came: done_ never will either
        service_.AskForWatch();
        return Arrived();
      case Stage::kWriting: {
        std::lock_guard<std::mutex> lock(service_.mu_);
        writing_ = false;
        if (!ok) ending_ = true;  // the stream broke: the watcher is gone
        return SendOrEndLocked();
      }
      case Stage::kEnded:
        return Unref();
    }
  }

  // The status may have changed: sends it, unless a write is outstanding (its completion
  // will). Requires the service's mu_.
  void StatusChangedLocked() {
    if (!writing_) SendOrEndLocked();
  }

  // The service shut down: after NOT_SERVING, the stream ends. Requires the service's mu_.
  void EndLocked() {
    ending_ = true;
    if (!writing_) SendOrEndLocked();
  }

 private:
  enum class Stage { kAsked, kWriting, kEnded };

  class Done final : public CompletionTag {
   public:
    explicit Done(Watch& watch) : watch_(watch) {}
    void OnComplete(bool /*ok*/) override {
      {
        std::lock_guard<std::mutex> lock(watch_.service_.mu_);
        watch_.service_.watches_.erase(&watch_);
        // Its arrival may not have been taken off the queue yet: then Arrived ends it.
        if (watch_.arrived_) {
          watch_.EndLocked();
        } else {
          watch_.ending_ = true;
        }
      }
      watch_.Unref();
    }

   private:
    Watch& watch_;
  };

  explicit Watch(HealthService& service) : service_(service) {
    service.live_calls_.Add();
    context_.AsyncNotifyWhenDone(static_cast<CompletionTag*>(&done_));
    done_.Handed();
    Handed();
    service.RequestAsyncServerStreaming(kWatch, &context_, &request_, &writer_, service.queue_,
                                        service.queue_,
                                        static_cast<CompletionTag*>(this));
  }
  ~Watch() = default;

  void Arrived() {
    std::lock_guard<std::mutex> lock(service_.mu_);
    arrived_ = true;
    if (service_.shut_down_) ending_ = true;
    if (!ending_) service_.watches_.insert(this);
    SendOrEndLocked();
  }

  // With no write outstanding: sends the status if the watcher has not been sent it yet,
  // else ends the stream if it is ending. Requires the service's mu_.
  void SendOrEndLocked() {
    if (stage_ == Stage::kEnded) return;
    const Status now = service_.StatusFor(request_.service());
    if (!sent_any_ || now != sent_) {
      // A watcher that went away is sent nothing; at shutdown, NOT_SERVING is sent first.
      if (!ending_ || service_.shut_down_) {
        sent_any_ = true;
        sent_ = now;
        response_.set_status(now);
        writing_ = true;
        stage_ = Stage::kWriting;
        Handed();
        writer_.Write(response_, static_cast<CompletionTag*>(this));
        return;
      }
    }
    if (!ending_) return;
    stage_ = Stage::kEnded;
    Handed();
    writer_.Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down"),
                   static_cast<CompletionTag*>(this));
  }

  void Unref(int count = 1) {
    if (refs_.fetch_sub(count, std::memory_order_acq_rel) != count) return;
    LiveCalls& live = service_.live_calls_;
    delete this;
    live.Remove();
  }

  HealthService& service_;
  grpc::ServerContext context_;
  health::HealthCheckRequest request_;
  health::HealthCheckResponse response_;  // the one write outstanding
  grpc::ServerAsyncWriter<health::HealthCheckResponse> writer_{&context_};
  Done done_{*this};
  // Written by the thread that gives the slot tag to gRPC, read by the one that takes it
  // back (gRPC orders them), and under the service's mu_ once the call has arrived.
  Stage stage_ = Stage::kAsked;
  // Guarded by the service's mu_:
  bool arrived_ = false;   // the call arrived, and its slot tag was taken back
  bool writing_ = false;   // a write is outstanding
  bool ending_ = false;    // the stream ends once nothing more is to be sent
  bool sent_any_ = false;  // sent_ holds what was sent last
  Status sent_ = health::HealthCheckResponse::UNKNOWN;
  std::atomic<int> refs_{2};  // the slot tag's last return, and done_
};

HealthService::HealthService() {
  // As gRPC's generated code for an asynchronous service does: no handlers, the calls are
  // asked for (RequestAsync*) and answered on the server's queue.
  AddMethod(new grpc::internal::RpcServiceMethod(
      "/grpc.health.v1.Health/Check", grpc::internal::RpcMethod::NORMAL_RPC, nullptr));
  AddMethod(new grpc::internal::RpcServiceMethod(
      "/grpc.health.v1.Health/Watch", grpc::internal::RpcMethod::SERVER_STREAMING, nullptr));
  MarkMethodAsync(kCheck);
  MarkMethodAsync(kWatch);
}

HealthService::~HealthService() = default;

void HealthService::RegisterService(grpc::ServerBuilder& builder) {
  builder.RegisterService(this);
  builder.SetOption(std::make_unique<grpc::HealthCheckServiceServerBuilderOption>(
      std::make_unique<Interface>(this)));
}

void HealthService::TakeCalls(grpc::ServerCompletionQueue* queue) {
  queue_ = queue;
  check_.ask = [this](CheckCall& call, void* tag) {
    RequestAsyncUnary(kCheck, &call.context, &call.request, &call.writer, queue_, queue_, tag);
  };
  check_.answer = [this](CheckCall& call) { return AnswerCheck(call.request, call.response); };
  check_.live = &live_calls_;
  AnsweredOnArrival<CheckCall>::Ask(check_);
  AskForWatch();
}

void HealthService::AskForWatch() { Watch::Ask(*this); }

grpc::Status HealthService::AnswerCheck(const health::HealthCheckRequest& request,
                                        health::HealthCheckResponse& response) const {
  if (!request.service().empty()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("a Courier server reports the health of no service but "
                                     "the server itself (\"\"), not '",
                                     request.service(), "'"));
  }
  std::lock_guard<std::mutex> lock(mu_);
  response.set_status(StatusFor(""));
  return grpc::Status::OK;
}

HealthService::Status HealthService::StatusFor(const std::string& service) const {
  if (!service.empty()) return health::HealthCheckResponse::SERVICE_UNKNOWN;
  return serving_ && !shut_down_ ? health::HealthCheckResponse::SERVING
                                 : health::HealthCheckResponse::NOT_SERVING;
}

void HealthService::SetServing(bool serving) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shut_down_) return;
  serving_ = serving;
  for (Watch* watch : watches_) watch->StatusChangedLocked();
}

void HealthService::Shutdown() {
  live_calls_.StopAsking();  // before the server's shutdown (LiveCalls)
  std::lock_guard<std::mutex> lock(mu_);
  if (shut_down_) return;
  shut_down_ = true;
  for (Watch* watch : watches_) watch->EndLocked();
  watches_.clear();
}

void HealthService::WaitForCallsToEnd() { live_calls_.WaitForNone(); }

}  // namespace lp::rpc
