// HealthService: grpc.health.v1.Health for a Courier server, on the server's own queue.
#ifndef LP_SRC_COURIER_RPC_HEALTH_SERVICE_H_
#define LP_SRC_COURIER_RPC_HEALTH_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "lp/health.pb.h"
#include "src/courier/rpc/answered_on_arrival.h"
#include "src/courier/rpc/live_calls.h"

namespace lp::rpc {

// Answers gRPC's health-checking protocol for the server as a whole (service name ""):
// Check says SERVING or NOT_SERVING, Watch streams the status now and at each change.
// Another service name gets NOT_FOUND from Check and SERVICE_UNKNOWN from Watch, as the
// protocol says.
//
// gRPC's own health service would do the same, but on gRPC's callback API: a process that
// uses that API at all runs gRPC's two callback threads, which wake about ten times a
// second each however idle it is, in every worker of a program (docs/performance.md, "A
// worker without gRPC's callback threads"). This one is served on the server's queue, by
// the executor's thread that takes a call off it, like ListMethods.
//
// Use: RegisterService() with the builder (also keeps gRPC from adding its own service
// when a program enabled that for every server), TakeCalls() once the server started,
// SetServing() at any time, Shutdown() before grpc::Server::Shutdown (it ends the Watch
// streams, which would otherwise hold that up until its deadline), and
// WaitForCallsToEnd() before the queue is shut down.
//
// Thread safety: every method may be called from any thread; calls are served
// concurrently on the executor's threads.
class HealthService final : public grpc::Service {
 public:
  HealthService();
  ~HealthService() override;

  // Registers the service with `builder`, and gives it an interface to this service in
  // place of gRPC's default one.
  void RegisterService(grpc::ServerBuilder& builder);

  // Starts serving calls from `queue`, the server's completion queue, which the
  // executor polls. Once, after the server started.
  void TakeCalls(grpc::ServerCompletionQueue* queue);

  // The status Check answers and Watch streams (NOT_SERVING until the first call). Once
  // shut down, the status stays NOT_SERVING.
  void SetServing(bool serving);

  // NOT_SERVING from now on: every Watch stream is sent it and then ended (UNAVAILABLE),
  // and streams that open later are ended at once; no call is asked of gRPC any more
  // (LiveCalls says why). Before the server shuts down. Idempotent.
  void Shutdown();

  // Once the server is shut down (grpc::Server::Shutdown returned), and while the
  // executor still polls the queue: returns when no call of this service is left on it.
  void WaitForCallsToEnd();

 private:
  using Status = health::HealthCheckResponse::ServingStatus;
  class Watch;
  class Interface;

  grpc::Status AnswerCheck(const health::HealthCheckRequest& request,
                           health::HealthCheckResponse& response) const;
  // Asks gRPC for the next Watch call.
  void AskForWatch();
  // The status a watcher of `service` is sent now. Requires mu_.
  Status StatusFor(const std::string& service) const;

  grpc::ServerCompletionQueue* queue_ = nullptr;  // set by TakeCalls, read-only after
  LiveCalls live_calls_;
  // Set by TakeCalls, read-only after.
  using CheckCall = UnaryCall<health::HealthCheckRequest, health::HealthCheckResponse>;
  AnsweredOnArrival<CheckCall>::Method check_;

  mutable std::mutex mu_;
  bool serving_ = false;                 // guarded by mu_
  bool shut_down_ = false;               // guarded by mu_
  absl::flat_hash_set<Watch*> watches_;  // guarded by mu_: streams open, not ending
};

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_HEALTH_SERVICE_H_
