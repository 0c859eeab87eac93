// CourierServiceImpl: the gRPC face of a MethodRegistry (service courier.CourierService).
#ifndef LP_SRC_COURIER_RPC_COURIER_SERVICE_H_
#define LP_SRC_COURIER_RPC_COURIER_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "courier/courier.grpc.pb.h"
#include "src/courier/rpc/answered_on_arrival.h"
#include "src/courier/rpc/call_ends.h"
#include "src/courier/rpc/handler_executor.h"
#include "src/courier/rpc/live_calls.h"
#include "src/courier/rpc/method_registry.h"
#include "src/courier/rpc/movable_byte_buffer.h"
#include "src/courier/rpc/unknown_method_call.h"
#include "src/metrics/call_metrics.h"

namespace lp::rpc {

// Call is served through gRPC's asynchronous API on the server's own completion queue,
// which the server's HandlerExecutor polls: no thread waits for a call, and the handler
// thread that takes a call off the queue runs its handler (it may block) and finishes it,
// while another thread of the pool takes over the queue (HandlerExecutor::RunOnArrival;
// an inline method's call keeps it).
// gRPC's own threads never run user code, and a call costs no hand-off between threads.
// What comes back of a call after it was replied to goes to CallEnds, where no thread
// waits for it, and is collected in batches: so a call wakes no idle thread to be freed.
// When every handler thread is busy, the call waits in the executor's queue. Methods
// registered to run inline (CourierMethodOptions) promise not to block: Arrived reads
// such a call's method name from the request's first bytes and serves it at once, even
// when every handler thread is busy (a request that names another method after it is
// refused). A small call of a deferred (batched) method is also
// taken at once: decoded and parked in its batch, whose run goes to the executor's queue
// (internal::Handoff). ListMethods blocks on nothing and is answered by the thread that
// takes it off the queue (AnsweredOnArrival), and so is a call of a gRPC method the server
// does not have (UnknownMethodCall).
//
// Every call is counted in the process's Courier metrics (src/metrics/) under the node
// whose thread built the service (metrics::CurrentNodeLabel(): "main" outside a node) and
// its method; a call whose method is not one of the registry's (unreadable, refused before
// it was read, or unknown) under method "(other)", so that callers cannot grow the label
// set. The handles are resolved at Publish(), so a call only looks its method up.
//
// Call takes and returns raw bytes: the request is parsed by ParseCallRequest, so that
// malformed bytes get a message that says what was wrong, and the reply is checked
// against the send limit before it is encoded, so that a reply protobuf cannot encode
// fails its call instead of aborting the process (gRPC asserts that encoding succeeds).
//
// Thread safety: calls arrive concurrently on the executor's threads, and handlers run
// concurrently on them. RequireSecret() happens before serving (CourierServer calls it
// before Start); after that the only mutable state is the atomic counts of admitted and
// live calls and the set of inline methods already warned about (under its own mutex),
// and the metrics (metrics::CallMetrics records concurrently; the per-method
// table is written by Publish() only, before serving). The registry and the executor must
// outlive the service, the registry must not change while it serves, and the executor
// must be drained (HandlerExecutor::Shutdown) before the service is destroyed: its tasks
// use the service.
class CourierServiceImpl final
    : public courier::CourierService::WithRawMethod_Call<
          courier::CourierService::WithAsyncMethod_ListMethods<
              courier::CourierService::Service>> {
 public:
  // `max_send_message_bytes`: as in CourierServerOptions (-1: protobuf's 2 GiB only).
  // `executor`: where Call runs handlers; null only for a service that is never
  // registered with a gRPC server and only Serve()s (the fuzz target). `max_calls`: how
  // many calls may be admitted at once, running or queued on the executor; a call beyond
  // them is refused with RESOURCE_EXHAUSTED. 0: no limit. `max_receive_message_bytes`:
  // as in CourierServerOptions; it bounds the tensors a caller sends through shared
  // memory too (shared_tensor_memory.h), which gRPC's own limit does not see.
  CourierServiceImpl(const MethodRegistry& registry, int max_send_message_bytes,
                     HandlerExecutor* executor = nullptr, int max_calls = 0,
                     int max_receive_message_bytes = -1);

  // Starts taking calls of Call (and ListMethods) from `queue`, the server's completion
  // queue, which the executor polls: `requested` calls of Call are asked of gRPC at a
  // time. The replies and ends of calls of Call go to `ends` (which the executor collects
  // too: HandlerExecutor::Poll). Once the server has been built and started; the queues
  // must be shut down only after the server, and `ends` must outlive the service.
  // `unknown` is the server's generic service: calls of gRPC methods that no service of
  // the server has are taken from it and answered UNIMPLEMENTED (UnknownMethodCall, which
  // says why lp does this rather than gRPC).
  void TakeCalls(grpc::ServerCompletionQueue* queue, CallEnds* ends, int requested,
                 grpc::AsyncGenericService* unknown);

  // Before the server is shut down: from the return on, no slot is asked of gRPC for a
  // call (LiveCalls says why).
  void StopTakingCalls() { live_calls_.StopAsking(); }

  // Once the server is shut down (grpc::Server::Shutdown returned), and while the executor
  // still polls the queue: returns when every call taken from it has ended and every slot
  // asked for has come back (collecting the calls' ends meanwhile), so that nothing is
  // left to use the queues once they are shut down. (gRPC aborts the process when a
  // call's reply, or the start of a call, meets a queue that is shut down; a call still
  // parked in a batch is finished by whoever ends the batch, as it must be.)
  void WaitForCallsToEnd();

  // From now on calls must carry `secret` in metadata rpc::kSecretMetadataKey; refusals
  // name the server as `server_name`. Empty `secret`: no check. Not thread-safe: call it
  // before the service serves.
  void RequireSecret(std::string secret, std::string server_name);

  // Called once the methods, the secret and whatever the handlers use are set up, before
  // the service is registered with a gRPC server: every call reads what was written
  // before (see published_).
  // Also resolves the metrics of every registered method.
  void Publish();

  // Whether the calling thread is running one of this service's inline handlers (a
  // shutdown requested from there must not wait for the call it is part of).
  bool InInlineHandler() const;

  // Gets the encoded reply to one call, or why there is none.
  using Reply = absl::AnyInvocable<void(absl::StatusOr<MovableByteBuffer>) &&>;

  using Clock = std::chrono::steady_clock;

  // Serves one call's request bytes: checks the secret, parses the bytes (and frees them),
  // runs the method and encodes its result. `reply` is called once: before Serve returns,
  // unless the method is deferred and took the call (a batched method: then on the thread
  // that ran its batch). What Call's executor task does once gRPC has read the request;
  // public for the fuzz target, which has no sockets. `arrived`: when the call arrived,
  // where its latency is measured from. `taken_as`: for a call served on arrival, the
  // method it was taken as (the first its request names, PeekMethod); a request that
  // names another after it is refused with INVALID_ARGUMENT, so that no method runs
  // outside the bound of handler threads by a second name. Null for any other call.
  void Serve(const grpc::ServerContextBase& context, grpc::ByteBuffer& request,
             Reply reply, Clock::time_point arrived = Clock::now(),
             const std::string* taken_as = nullptr) const;

  // Serve(), as a call is served once the thread that took it runs it: a call of a method
  // served on arrival (MethodRegistry::ServedOnArrival) in the scope of an inline call,
  // where InInlineHandler() is true; any other plainly. Public for the fuzz target, which
  // has no gRPC calls to take.
  void ServeAsTaken(const grpc::ServerContextBase& context, grpc::ByteBuffer& request,
                    Reply reply) const;

 private:
  // The reply to `method` that returned `result`, encoded, or why it cannot be sent.
  // `result` is moved into the reply (it belongs to the call, which ends); its large
  // tensors into `result_memory`, when the caller lent it (shared_tensor_memory.h).
  absl::StatusOr<MovableByteBuffer> EncodeReply(
      const std::string& method, courier::SerializedObject& result,
      const courier::SharedMemory* result_memory) const;
  // OK when the call carries the secret, or none is required; else UNAUTHENTICATED
  // saying what is missing and how a caller outside the program gets it.
  absl::Status CheckSecret(const grpc::ServerContextBase& context) const;
  class InlineCall;
  // Enters `scope` for the call of these request bytes if it is served on arrival, outside
  // the bound of handler threads (MethodRegistry::ServedOnArrival, by the method its
  // first bytes name: PeekMethod): the method it was taken as, owned by `scope`; else null.
  // Sets `hold` to the method's HoldRecord for a call that is not (null if none).
  const std::string* EnterIfServedOnArrival(const grpc::ServerContextBase& context,
                                            const grpc::ByteBuffer& request,
                                            std::optional<InlineCall>& scope,
                                            HoldRecord*& hold) const;
  // Says once per method, on stderr, that an inline handler waited on another node.
  void WarnInlineWait(const std::string& method) const;
  class IncomingCall;
  // Serves a call that has just arrived, on the executor's thread that took it.
  void Arrived(IncomingCall& call);
  // A call's reply of `bytes` was given to gRPC; its ends will come to ends_.
  void Replied(std::size_t bytes) const;
  // A caller of this host whose request or reply is large learns that its tensors may
  // come through shared memory (same_host.h); small calls, most of them, are not slowed.
  // Only to a caller of the launch: the offer names this host and process. Before the
  // reply is sent, which carries the initial metadata.
  void OfferSameHost(grpc::ServerContext& context) const;
  // How a call that Serve took ends: counted in `metrics`, then replied. One object that
  // travels with the call, where a callback wrapping `reply` would cost an allocation.
  struct CallEnd {
    const CourierServiceImpl* service;
    // The method's, once known; until then (a call refused before its method was read)
    // "(other)"'s, resolved only then (see other_metrics_).
    metrics::CallMetrics* metrics;
    Clock::time_point arrived;
    std::size_t request_bytes;
    Reply reply;
    void operator()(absl::StatusOr<MovableByteBuffer> result) &&;
  };
  // The reply to a call of ListMethods.
  grpc::Status AnswerListMethods(const grpc::ServerContext& context,
                                 courier::ListMethodsResponse& response) const;

  // The metrics of `method`'s calls: its own if registered, else "(other)"'s.
  metrics::CallMetrics& MetricsOf(const std::string& method) const;
  metrics::CallMetrics& OtherMetrics() const;
  // Counts a call of `metrics` that ends now with `code`, having arrived at `arrived`.
  static void RecordCall(metrics::CallMetrics& metrics, Clock::time_point arrived,
                         absl::StatusCode code, std::size_t received, std::size_t sent);

  // Takes one of max_calls_ admissions, or says why not.
  absl::Status Admit();
  void Release() { admitted_.fetch_sub(1, std::memory_order_relaxed); }

  const MethodRegistry& registry_;
  const int max_send_message_bytes_;
  HandlerExecutor* const executor_;  // not owned
  grpc::ServerCompletionQueue* queue_ = nullptr;  // set by TakeCalls before any call
  CallEnds* ends_ = nullptr;                      // likewise; not owned
  LiveCalls live_calls_;  // IncomingCalls, and ListMethods' and unknown methods' slots
  // Set by TakeCalls, read-only after.
  using ListMethodsCall = UnaryCall<courier::ListMethodsRequest, courier::ListMethodsResponse>;
  AnsweredOnArrival<ListMethodsCall>::Method list_methods_;
  AnsweredOnArrival<UnknownMethodCall>::Method unknown_methods_;
  const int max_calls_;
  const int max_receive_message_bytes_;              // 0: no limit
  std::string secret_;               // empty: no check
  std::string server_name_;          // "node learner/0", for messages
  // Calls admitted and not yet finished (running or queued on the executor). Released
  // before the call is finished, so that a caller that got its reply and calls again at
  // once finds the slot free.
  std::atomic<int> admitted_{0};
  // Set by Publish(), read (acquire) by every call. The calls arrive through gRPC's queue
  // (and ListMethods on gRPC's threads), ordered by gRPC's own synchronization: real, but
  // invisible to ThreadSanitizer with Debian's uninstrumented gRPC, which then reports
  // every handler's first read of its node's state as a race. This pair makes the
  // ordering explicit.
  std::atomic<bool> published_{false};
  // The node the calls are counted under (interned: lives as long as the process).
  const std::string& node_label_;
  // Written by Publish() before serving, read-only after.
  absl::flat_hash_map<std::string, metrics::CallMetrics*> method_metrics_;
  // "(other)"'s, resolved on first use: most servers never see such a call.
  mutable std::atomic<metrics::CallMetrics*> other_metrics_{nullptr};
  // The inline methods WarnInlineWait has reported.
  mutable std::mutex warned_mu_;
  mutable absl::flat_hash_set<std::string> warned_inline_waits_;  // guarded by warned_mu_
};

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_COURIER_SERVICE_H_
