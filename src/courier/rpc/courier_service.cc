#include "src/courier/rpc/courier_service.h"

#include <grpcpp/support/proto_buffer_reader.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lp/internal/blocking_region.h"
#include "lp/internal/handoff.h"
#include "src/courier/rpc/call_request.h"
#include "src/courier/rpc/message_limits.h"
#include "src/courier/rpc/grpc_status.h"
#include "src/courier/rpc/received_tensors.h"
#include "src/courier/rpc/same_host.h"
#include "src/courier/rpc/secret.h"
#include "src/courier/rpc/shared_tensor_memory.h"
#include "src/courier/rpc/shared_serialization.h"
#include "src/courier/rpc/wire_writer.h"
#include "src/courier/serialization/recycled_tensors.h"
#include "src/metrics/courier_metrics.h"
#include "src/metrics/node_label.h"

namespace lp::rpc {

namespace {

// The service whose inline handler the current thread is running, if any.
thread_local const CourierServiceImpl* running_inline = nullptr;

// The method label of calls that are not of a registered method.
constexpr char kOtherMethod[] = "(other)";

}  // namespace

// The scope of one call served at once on the thread that took it, whether or not a
// handler thread is free (MethodRegistry::ServedOnArrival): marks the thread as running
// the service's inline handler, reports a wait on another node from it (a
// BlockingRegion), which the method promised not to do, and posts work that must not run
// there (a batch the call made ready) to the handler threads' queue. Not shared between threads,
// but Post may run on any.
class CourierServiceImpl::InlineCall final : public internal::BlockingObserver,
                                             public internal::Handoff {
 public:
  InlineCall(const CourierServiceImpl& service, std::string method, bool taken)
      : service_(service),
        method_(std::move(method)),
        taken_(taken),
        outer_service_(std::exchange(running_inline, &service)),
        outer_observer_(std::exchange(internal::current_blocking_observer, this)),
        outer_handoff_(std::exchange(internal::current_handoff, this)) {}
  ~InlineCall() {
    running_inline = outer_service_;
    internal::current_blocking_observer = outer_observer_;
    internal::current_handoff = outer_handoff_;
  }
  InlineCall(const InlineCall&) = delete;
  InlineCall& operator=(const InlineCall&) = delete;

  // The method the call was taken as.
  const std::string& method() const { return method_; }
  // Whether the method is deferred and only takes the call here (a batched one), rather
  // than runs inline.
  bool taken() const { return taken_; }

  void OnBlock() override { service_.WarnInlineWait(method_); }
  void OnUnblock() override {}

  bool Post(Work work) override {
    return service_.executor_ != nullptr && service_.executor_->Submit(std::move(work));
  }

 private:
  const CourierServiceImpl& service_;
  const std::string method_;
  const bool taken_;
  const CourierServiceImpl* const outer_service_;
  internal::BlockingObserver* const outer_observer_;
  internal::Handoff* const outer_handoff_;
};

bool CourierServiceImpl::InInlineHandler() const { return running_inline == this; }

const std::string* CourierServiceImpl::EnterIfServedOnArrival(
    const grpc::ServerContextBase& context, const grpc::ByteBuffer& request,
    std::optional<InlineCall>& scope, HoldRecord*& hold) const {
  hold = nullptr;
  grpc::ProtoBufferReader reader(const_cast<grpc::ByteBuffer*>(&request));  // reads only
  std::optional<std::string> method = PeekMethod(reader);
  if (!method.has_value()) return nullptr;
  // Tensors in shared memory count as the request's: they are read where it is parsed.
  const MethodRegistry::Arrival arrival = registry_.ArrivalOf(
      *method, [&] { return request.Length() + SharedTensorBytes(context); });
  hold = arrival.hold;
  if (arrival.how == MethodRegistry::OnArrival::kNo) return nullptr;
  return &scope
              .emplace(*this, *std::move(method),
                       arrival.how == MethodRegistry::OnArrival::kTake)
              .method();
}

void CourierServiceImpl::ServeAsTaken(const grpc::ServerContextBase& context,
                                      grpc::ByteBuffer& request, Reply reply) const {
  std::optional<InlineCall> inline_call;
  HoldRecord* hold = nullptr;  // nothing keeps a queue here
  const std::string* taken_as = EnterIfServedOnArrival(context, request, inline_call, hold);
  Serve(context, request, std::move(reply), Clock::now(), taken_as);
}

void CourierServiceImpl::WarnInlineWait(const std::string& method) const {
  {
    std::lock_guard<std::mutex> lock(warned_mu_);
    if (!warned_inline_waits_.insert(method).second) return;
  }
  std::fprintf(stderr,
               "lp: Courier method '%s' of %s runs inline (CourierMethodOptions::run_inline, "
               "CourierNode::RunInline) but waited on another call: inline methods promise "
               "not to block, so the server's bound on handler threads does not count them, "
               "and the thread waiting here serves no other call. Remove run_inline from it. "
               "(Said once per method.)\n",
               BoundedEcho(method).c_str(),
               server_name_.empty() ? "this Courier server" : server_name_.c_str());
}

void CourierServiceImpl::RequireSecret(std::string secret, std::string server_name) {
  secret_ = std::move(secret);
  server_name_ = std::move(server_name);
}

absl::Status CourierServiceImpl::CheckSecret(const grpc::ServerContextBase& context) const {
  if (secret_.empty()) return absl::OkStatus();
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kSecretMetadataKey);
  // Neither message echoes what the caller sent: an unauthenticated caller learns nothing
  // but that it is refused, and why.
  if (it == metadata.end()) {
    return absl::UnauthenticatedError(absl::StrCat(
        "call to ", server_name_, " lacks the launch's secret (gRPC metadata '",
        kSecretMetadataKey, "'); the program's own nodes send it, and a client outside the "
        "program must be given it on purpose: start the launcher with LP_COURIER_SECRET "
        "set and send that value (see docs/courier.md, \"Limits and security\")"));
  }
  if (!SecretsEqual(std::string_view(it->second.data(), it->second.size()), secret_)) {
    return absl::UnauthenticatedError(absl::StrCat(
        "call to ", server_name_, " carries a secret (gRPC metadata '", kSecretMetadataKey,
        "') that is not its launch's: the caller belongs to another launch, or was given "
        "the wrong secret"));
  }
  return absl::OkStatus();
}

CourierServiceImpl::CourierServiceImpl(const MethodRegistry& registry,
                                       int max_send_message_bytes, HandlerExecutor* executor,
                                       int max_calls, int max_receive_message_bytes)
    : registry_(registry),
      max_send_message_bytes_(max_send_message_bytes),
      executor_(executor),
      max_calls_(max_calls),
      max_receive_message_bytes_(max_receive_message_bytes),
      node_label_(metrics::CurrentNodeLabel()) {}

void CourierServiceImpl::Publish() {
  for (const std::string& method : registry_.Names()) {
    method_metrics_[method] = &metrics::CourierMetrics::Get().Served(node_label_, method);
  }
  published_.store(true, std::memory_order_release);
}

metrics::CallMetrics& CourierServiceImpl::OtherMetrics() const {
  if (metrics::CallMetrics* other = other_metrics_.load(std::memory_order_acquire)) return *other;
  // Served() returns the same object to every thread that asks.
  metrics::CallMetrics* other = &metrics::CourierMetrics::Get().Served(node_label_, kOtherMethod);
  other_metrics_.store(other, std::memory_order_release);
  return *other;
}

metrics::CallMetrics& CourierServiceImpl::MetricsOf(const std::string& method) const {
  auto it = method_metrics_.find(method);
  return it != method_metrics_.end() ? *it->second : OtherMetrics();
}

void CourierServiceImpl::RecordCall(metrics::CallMetrics& metrics, Clock::time_point arrived,
                                    absl::StatusCode code, std::size_t received,
                                    std::size_t sent) {
  const std::chrono::duration<double> took = Clock::now() - arrived;
  metrics.Record(code, took.count(), received, sent);
}

absl::Status CourierServiceImpl::Admit() {
  const int before = admitted_.fetch_add(1, std::memory_order_relaxed);
  if (max_calls_ <= 0 || before < max_calls_) return absl::OkStatus();
  Release();
  return absl::ResourceExhaustedError(absl::StrCat(
      server_name_.empty() ? "this Courier server" : server_name_, " already has ", max_calls_,
      " calls running or waiting for a handler thread (CourierServerOptions."
      "max_concurrent_handlers); this call was not run: retry later"));
}

// One call of Call, from the slot asked of gRPC to its end. gRPC returns it as two tags:
// the call itself (it arrived, through the server's queue; later, its reply was sent,
// through CallEnds) and done_ (the call is over, and only from then on may IsCancelled()
// be asked; through CallEnds). It is deleted when both are back, or when
// the first comes back empty (no call came into the slot: the server shut down, and gRPC
// then never returns done_). A thread that gives it to gRPC (asks for the slot, sends the
// reply) holds a reference of its own until gRPC's function returns, so that the slot is
// never deleted under it, however soon the tag comes back on another thread.
//
// Thread safety: the tags come back on any of the executor's threads, and the reply is
// sent from whichever thread ends the call. gRPC orders those steps (made visible to
// ThreadSanitizer by CompletionTag::Handed); done_seen_ is read by a thread that may not
// have taken done_ back.
class CourierServiceImpl::IncomingCall final : public CompletionTag {
 public:
  // Asks gRPC for the next call of Call into a new slot, unless the server is shutting
  // down (LiveCalls::AskUnlessStopped).
  static void Request(CourierServiceImpl& service) {
    service.live_calls_.AskUnlessStopped([&service] { new IncomingCall(service); });
  }

  IncomingCall(const IncomingCall&) = delete;
  IncomingCall& operator=(const IncomingCall&) = delete;

  void OnComplete(bool ok) override {
    if (stage_.load(std::memory_order_relaxed) == Stage::kReplying) return Unref();
    if (!ok) return Unref(2);  // no call came: done_ never will either
    Request(service_);  // a slot for the next call before this one runs
    service_.Arrived(*this);
  }

  grpc::ServerContext& context() { return context_; }
  grpc::ByteBuffer& request() { return request_; }
  grpc::ByteBuffer& response() { return response_; }

  // When the call was taken, and the size of its request as it came: set by Arrived, for
  // the call's metrics. Kept here so that the tasks and callbacks that serve the call hold
  // only a reference to it, which fits in their AnyInvocable without an allocation.
  Clock::time_point arrived;
  std::size_t request_bytes = 0;
  // The method the call was taken as when it is served on arrival, owned by the
  // InlineCall around it (so read only by the task, which runs within it); null
  // otherwise. Set by Arrived, for Serve.
  const std::string* taken_as = nullptr;

  // Whether the caller went away, its deadline passed or the server's shutdown deadline
  // cancelled the call, as far as gRPC has said yet.
  bool Cancelled() const {
    return done_seen_.load(std::memory_order_acquire) && context_.IsCancelled();
  }

  // Sends the reply: response() if `status` is OK. Once, from any thread.
  void Finish(const grpc::Status& status) {
    stage_.store(Stage::kReplying, std::memory_order_relaxed);
    refs_.fetch_add(1, std::memory_order_relaxed);  // until Finish returns
    Handed();
    writer_.Finish(response_, status, this);
    // Counted while this call is surely alive: it is freed (Delete) only after.
    service_.Replied(status.ok() ? response_.Length() : 0);
    Unref();
  }

 private:
  enum class Stage { kRequested, kReplying };

  class Done final : public CompletionTag {
   public:
    explicit Done(IncomingCall& call) : call_(call) {}
    void OnComplete(bool /*ok*/) override {
      call_.done_seen_.store(true, std::memory_order_release);
      call_.Unref();
    }

   private:
    IncomingCall& call_;
  };

  explicit IncomingCall(CourierServiceImpl& service) : service_(service) {
    service.live_calls_.Add();
    context_.AsyncNotifyWhenDone(static_cast<CompletionTag*>(&done_));
    done_.Handed();
    Handed();
    service.RequestCall(&context_, &request_, &writer_, service.ends_->queue(), service.queue_,
                        static_cast<CompletionTag*>(this));
    Unref();  // the constructor's own reference
  }
  ~IncomingCall() = default;

  void Unref(int count = 1) {
    if (refs_.fetch_sub(count, std::memory_order_acq_rel) == count) Delete();
  }
  // Counted gone once nothing of it is left: its server may then shut the queue down.
  void Delete() {
    CourierServiceImpl& service = service_;
    const bool replied = stage_.load(std::memory_order_relaxed) == Stage::kReplying;
    delete this;
    if (replied) service.ends_->Freed();
    service.live_calls_.Remove();
  }

  CourierServiceImpl& service_;
  grpc::ServerContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  grpc::ServerAsyncResponseWriter<grpc::ByteBuffer> writer_{&context_};
  Done done_{*this};
  std::atomic<Stage> stage_{Stage::kRequested};
  std::atomic<bool> done_seen_{false};
  // The reply sent (or the slot back empty), done_, and the constructor until it returns.
  std::atomic<int> refs_{3};
};

void CourierServiceImpl::Replied(std::size_t bytes) const {
  ends_->Replied(bytes);
  // The executor's threads collect when they go idle; a reply sent from elsewhere (a
  // deferred method's, from the thread that ended its batch) must wake one to.
  if (!executor_->OnExecutorThread()) executor_->CollectEndsSoon();
}

void CourierServiceImpl::WaitForCallsToEnd() {
  if (ends_ == nullptr) return live_calls_.WaitForNone();  // never took calls
  // No thread may be left to collect the last calls' ends: collect them here.
  while (!live_calls_.WaitForNoneFor(std::chrono::milliseconds(0))) {
    ends_->CollectWithin(CallEnds::kIdleCollection);
  }
}

void CourierServiceImpl::TakeCalls(grpc::ServerCompletionQueue* queue, CallEnds* ends,
                                   int requested, grpc::AsyncGenericService* unknown) {
  queue_ = queue;
  ends_ = ends;
  for (int i = 0; i < requested; ++i) IncomingCall::Request(*this);
  list_methods_.ask = [this](ListMethodsCall& call, void* tag) {
    RequestListMethods(&call.context, &call.request, &call.writer, queue_, queue_, tag);
  };
  list_methods_.answer = [this](ListMethodsCall& call) {
    return AnswerListMethods(call.context, call.response);
  };
  list_methods_.live = &live_calls_;
  AnsweredOnArrival<ListMethodsCall>::Ask(list_methods_);
  unknown_methods_.ask = [unknown, queue](UnknownMethodCall& call, void* tag) {
    unknown->RequestCall(&call.context, &call.stream, queue, queue, tag);
  };
  unknown_methods_.answer = [this](UnknownMethodCall& call) {
    return grpc::Status(
        grpc::StatusCode::UNIMPLEMENTED,
        absl::StrCat(server_name_.empty() ? "this Courier server" : server_name_,
                     " has no gRPC method '", BoundedEcho(call.context.method()),
                     "': a Courier server serves /courier.CourierService/Call and "
                     "/courier.CourierService/ListMethods (and grpc.health.v1.Health unless "
                     "turned off); call its methods through an lp CourierClient or "
                     "courier.CourierService/Call (docs/courier.md)"));
  };
  unknown_methods_.live = &live_calls_;
  AnsweredOnArrival<UnknownMethodCall>::Ask(unknown_methods_);
}

void CourierServiceImpl::OfferSameHost(grpc::ServerContext& context) const {
  if (!SameHostTensorsEnabled() || !CheckSecret(context).ok()) return;
  if (std::string offer = SameHostOffer(); !offer.empty()) {
    context.AddInitialMetadata(kSameHostMetadataKey, std::move(offer));
  }
}

void CourierServiceImpl::Arrived(IncomingCall& call) {
  call.arrived = Clock::now();
  (void)published_.load(std::memory_order_acquire);  // see published_
  grpc::ServerContext& context = call.context();
  grpc::ByteBuffer& request = call.request();
  call.request_bytes = request.Length();
  // A call refused before its method was read.
  auto refuse = [&](const grpc::Status& status) {
    RecordCall(OtherMetrics(), call.arrived, static_cast<absl::StatusCode>(status.error_code()),
               call.request_bytes, 0);
    call.Finish(status);
  };
  if (absl::Status admitted = Admit(); !admitted.ok()) {
    refuse(ToGrpcStatus(admitted));
    return;
  }
  if (call.request_bytes >= kMinSameHostTensorBytes) OfferSameHost(context);
  // `call` lives until it is finished; its request is its own, so Serve() may consume it
  // (it frees the wire bytes before the handler runs).
  auto task = [this, &call] {
    // A call that waited for a thread while its caller went away, its deadline passed or
    // the server's shutdown deadline cancelled it: nobody awaits its result, so its handler
    // does not run. (gRPC has already told the caller why; this status is not sent.) The
    // executor collects the ends of calls before it runs one that waited, so done_ is seen.
    if (call.Cancelled()) {
      Release();
      RecordCall(OtherMetrics(), call.arrived, absl::StatusCode::kCancelled, call.request_bytes,
                 0);
      call.Finish(grpc::Status(grpc::StatusCode::CANCELLED,
                               "the call was cancelled while it waited for a handler thread"));
      return;
    }
    Serve(call.context(), call.request(), [this, &call](absl::StatusOr<MovableByteBuffer> reply) {
      grpc::Status status = grpc::Status::OK;
      if (reply.ok()) {
        call.response().Swap(&reply->bytes());
        // Initial metadata leaves with the reply, so the offer still goes with it.
        if (call.request_bytes < kMinSameHostTensorBytes &&
            call.response().Length() >= kMinSameHostTensorBytes) {
          OfferSameHost(call.context());
        }
      } else {
        status = ToGrpcStatus(reply.status());
      }
      Release();
      call.Finish(status);
    }, call.arrived, call.taken_as);
  };
  // A method served on arrival runs at once, even when every handler thread is busy: it
  // promised not to block, or is deferred and is only taken here. Its task runs here,
  // within the InlineCall, or not at all. An inline method's keeps the queue meanwhile. A
  // batched call's taking hands it over, as before: kept, `bench_batching` through the
  // in-process transport made half its batched calls per second in most rounds
  // (docs/performance.md, "Inline calls keep the queue"). Any other call keeps it too,
  // watched, unless its method's record says it is slow (HoldRecord).
  std::optional<InlineCall> inline_call;
  HoldRecord* hold = nullptr;
  call.taken_as = EnterIfServedOnArrival(context, request, inline_call, hold);
  using Arrival = HandlerExecutor::Arrival;
  const Arrival arrival = !inline_call.has_value() ? Arrival::kMayBlock
                          : inline_call->taken()    ? Arrival::kTakenAtOnce
                                                    : Arrival::kInline;
  if (executor_->RunOnArrival(std::move(task), arrival, hold)) return;
  // The server is shutting down and has stopped running handlers.
  Release();
  refuse(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                      "the Courier server is shutting down; this call was not run"));
}

void CourierServiceImpl::CallEnd::operator()(absl::StatusOr<MovableByteBuffer> result) && {
  RecordCall(metrics != nullptr ? *metrics : service->OtherMetrics(), arrived,
             result.status().code(), request_bytes,
             result.ok() ? result->Length() : 0);
  std::move(reply)(std::move(result));
}

void CourierServiceImpl::Serve(const grpc::ServerContextBase& context, grpc::ByteBuffer& request,
                               Reply reply, Clock::time_point arrived,
                               const std::string* taken_as) const {
  CallEnd end{this, /*metrics=*/nullptr, arrived, request.Length(), std::move(reply)};
  if (absl::Status allowed = CheckSecret(context); !allowed.ok()) {
    return std::move(end)(allowed);
  }
  absl::StatusOr<ParsedCallRequest> parsed = [&] {
    grpc::ProtoBufferReader reader(&request);
    return ParseCallRequest(reader, request.Length(), ReadsObjectsByHand(request));
  }();
  request.Clear();  // the wire bytes are parsed: free them before the handler runs
  if (!parsed.ok()) return std::move(end)(parsed.status());
  // A call served on arrival was taken as the method its request names first
  // (EnterIfServedOnArrival); protobuf's rules make the last name the method. A request
  // that names two must not run the second outside the bound of handler threads.
  if (taken_as != nullptr && parsed->method != *taken_as) {
    return std::move(end)(absl::InvalidArgumentError(absl::StrCat(
        "the request was taken as a call of '", BoundedEcho(*taken_as),
        "', the method it names first, which runs on arrival, but then names '",
        BoundedEcho(parsed->method), "': name the method once")));
  }
  end.metrics = &MetricsOf(parsed->method);

  // The arguments were built by the parser for this call alone, so the handler may move
  // large payloads out of them.
  courier::CallArguments& arguments = parsed->arguments;
  for (int i = 0; i < arguments.args_size(); ++i) {
    if (absl::Status deep = CheckObject(
            arguments.args(i), [i] { return absl::StrCat("arg ", i + 1); }, /*check_utf8=*/false);
        !deep.ok()) {
      return std::move(end)(deep);
    }
  }
  if (parsed->shared_memory.has_value()) {
    if (absl::Status received = ReceiveSharedTensors(*parsed->shared_memory,
                                                     max_receive_message_bytes_, arguments);
        !received.ok()) {
      return std::move(end)(received);
    }
  }

  // What the method works on, until it ends: past this frame for a deferred one.
  struct Running {
    ParsedCallRequest request;
    courier::SerializedObject result;
    CallEnd end;
  };
  std::unique_ptr<Running> running(new Running{*std::move(parsed), {}, std::move(end)});
  Running& call = *running;  // stays where it is when `running` moves into the end
  registry_.Dispatch(call.request.method, call.request.arguments, &call.result,
                     [this, running = std::move(running)](absl::Status status) {
                       if (!status.ok()) return std::move(running->end)(status);
                       std::move(running->end)(EncodeReply(
                           running->request.method, running->result,
                           running->request.result_memory.has_value()
                               ? &*running->request.result_memory
                               : nullptr));
                     });
}

absl::StatusOr<MovableByteBuffer> CourierServiceImpl::EncodeReply(
    const std::string& method_name, courier::SerializedObject& result,
    const courier::SharedMemory* result_memory) const {
  // Registered, so short, but bounded all the same.
  auto method = [&method_name] { return BoundedEcho(method_name); };
  if (absl::Status content = CheckObject(
          result, [&] { return absl::StrCat("Courier method '", method(), "': the result"); },
          /*check_utf8=*/true);
      !content.ok()) {
    return content;
  }
  // A small reply, with no memory lent for it, is written straight into one slice: the
  // bytes of the CallResponse below, without building it (three allocations fewer per call:
  // the response, its CallResult, the object swapped into it).
  const size_t object_bytes = result.ByteSizeLong();
  const size_t result_bytes = DelimitedFieldBytes(object_bytes);
  const size_t reply_bytes = DelimitedFieldBytes(result_bytes);
  if (absl::Status size = CheckMessageSize(
          reply_bytes, max_send_message_bytes_,
          [&] { return absl::StrCat("Courier method '", method(), "': the reply"); });
      !size.ok()) {
    return size;
  }
  if (result_memory == nullptr && reply_bytes < kMinSharedFieldBytes) {
    grpc::Slice slice(reply_bytes);
    uint8_t* to = WriteDelimitedHeader(courier::CallResponse::kResultFieldNumber, result_bytes,
                                       const_cast<uint8_t*>(slice.begin()));
    to = WriteDelimitedHeader(courier::CallResult::kResultFieldNumber, object_bytes, to);
    to = result.SerializeWithCachedSizesToArray(to);
    if (to != slice.end()) {
      return absl::InternalError(absl::StrCat("a reply of ", reply_bytes,
                                              " bytes was encoded into ", to - slice.begin()));
    }
    return MovableByteBuffer(&slice, 1);
  }
  // Owned by the reply's bytes, which share its large fields (SerializeSharing) and give
  // its tensors' storage back for reuse when gRPC is done with them.
  std::shared_ptr<courier::CallResponse> response = internal::NewRecyclingCallResponse();
  // Same (heap) arena on both sides, so this is a swap, not a copy.
  response->mutable_result()->mutable_result()->Swap(&result);
  // The caller lent memory for the result's large tensors. If they cannot go there, they
  // go in the reply, and the caller learns from its size to lend no more.
  if (result_memory != nullptr && SameHostTensorsEnabled()) {
    (void)ShareResultTensors(*result_memory, *response->mutable_result()->mutable_result());
  }
  return SerializeSharing(std::move(response));
}

grpc::Status CourierServiceImpl::AnswerListMethods(
    const grpc::ServerContext& context, courier::ListMethodsResponse& response) const {
  (void)published_.load(std::memory_order_acquire);  // see published_
  if (absl::Status allowed = CheckSecret(context); !allowed.ok()) return ToGrpcStatus(allowed);
  for (std::string& name : registry_.Names()) response.add_methods(std::move(name));
  return grpc::Status::OK;
}

}  // namespace lp::rpc
