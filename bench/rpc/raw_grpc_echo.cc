#include "bench/rpc/raw_grpc_echo.h"

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "echo.grpc.pb.h"
#include "lp/event.h"

namespace lp::bench {
namespace {

using lp_bench::Bytes;
using lp_bench::Count;
using lp_bench::RawEcho;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "raw gRPC echo: %s\n", what.c_str());
  std::abort();
}

void CheckStatus(const grpc::Status& status) {
  if (!status.ok()) Die(status.error_message());
}

// Both servers echo by swapping the bytes from the request into the response. The
// request is const in gRPC's API but owned by the call; the Courier server moves its
// arguments the same way, so no side pays a copy the others do not.
void SwapIntoEcho(const Bytes& request, Bytes& response) {
  response.mutable_data()->swap(*const_cast<Bytes&>(request).mutable_data());
}

// Produce's result: a copy of the kept bytes, as lp's side copies its kept tensor.
void Produced(const Count& request, Bytes& response) {
  response.set_data(KeptParameters(static_cast<size_t>(request.count()) * sizeof(float)));
}

int64_t FloatCount(const Bytes& bytes) {
  return static_cast<int64_t>(bytes.data().size() / sizeof(float));
}

class SyncService final : public RawEcho::Service {
  grpc::Status Echo(grpc::ServerContext*, const Bytes* request, Bytes* response) override {
    SwapIntoEcho(*request, *response);
    return grpc::Status::OK;
  }
  grpc::Status Consume(grpc::ServerContext*, const Bytes* request, Count* response) override {
    response->set_count(FloatCount(*request));
    return grpc::Status::OK;
  }
  grpc::Status Produce(grpc::ServerContext*, const Count* request, Bytes* response) override {
    Produced(*request, *response);
    return grpc::Status::OK;
  }
};

// Handlers run on gRPC's callback threads and finish at once through the context's
// default reactor: no thread is held by a call.
class CallbackService final : public RawEcho::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context, const Bytes* request,
                                 Bytes* response) override {
    SwapIntoEcho(*request, *response);
    return Finished(context);
  }
  grpc::ServerUnaryReactor* Consume(grpc::CallbackServerContext* context,
                                    const Bytes* request, Count* response) override {
    response->set_count(FloatCount(*request));
    return Finished(context);
  }
  grpc::ServerUnaryReactor* Produce(grpc::CallbackServerContext* context, const Count* request,
                                    Bytes* response) override {
    Produced(*request, *response);
    return Finished(context);
  }

  static grpc::ServerUnaryReactor* Finished(grpc::CallbackServerContext* context) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

// The servers of this process by port, for clients on the in-process transport.
// Thread-safe.
class ServersOfThisProcess {
 public:
  static ServersOfThisProcess& Get() {
    static ServersOfThisProcess* const servers = new ServersOfThisProcess();
    return *servers;
  }
  void Add(int port, grpc::Server* server) {
    std::lock_guard<std::mutex> lock(mu_);
    by_port_[port] = server;
  }
  void Remove(int port) {
    std::lock_guard<std::mutex> lock(mu_);
    by_port_.erase(port);
  }
  grpc::Server* Find(int port) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = by_port_.find(port);
    return it == by_port_.end() ? nullptr : it->second;
  }

 private:
  std::mutex mu_;
  std::map<int, grpc::Server*> by_port_;  // guarded by mu_
};

bool RawOverUnixSocket() { return std::getenv(kRawUnixEnv) != nullptr; }

// The Unix socket of the raw server whose key is `key`.
std::string UnixTarget(int key) { return "unix-abstract:lp-bench-raw/" + std::to_string(key); }

class RawServer final : public EchoServer {
 public:
  explicit RawServer(RawApi api) {
    if (api == RawApi::kSync) {
      service_ = std::make_unique<SyncService>();
    } else {
      service_ = std::make_unique<CallbackService>();
    }
    grpc::ServerBuilder builder;
    if (RawOverUnixSocket()) {
      // Named before the TCP port is known: after this process and its servers.
      static std::atomic<int> serial{0};
      unix_key_ = static_cast<int>(getpid()) * 16 + serial++ % 16;
      builder.AddListeningPort(UnixTarget(unix_key_), grpc::InsecureServerCredentials());
    }
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(service_.get());
    builder.SetMaxReceiveMessageSize(-1);
    builder.SetMaxSendMessageSize(-1);
    server_ = builder.BuildAndStart();
    if (server_ == nullptr || port_ == 0) Die("cannot start the server");
    ServersOfThisProcess::Get().Add(port(), server_.get());
  }
  ~RawServer() override {
    ServersOfThisProcess::Get().Remove(port());
    server_->Shutdown();
  }

  // What clients name the server by: its TCP port, or its Unix socket's key.
  int port() const override { return unix_key_ != 0 ? unix_key_ : port_; }

 private:
  std::unique_ptr<grpc::Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  int unix_key_ = 0;  // with kRawUnixEnv: its Unix socket's (UnixTarget)
};

// Starts a call through the callback stub with `start(callback)` and blocks until the
// callback ran: a blocking call of the callback API.
template <typename Start>
grpc::Status CallAndWait(Start start) {
  Event done;
  grpc::Status status;
  start([&](grpc::Status s) {
    status = std::move(s);
    done.Notify();
  });
  done.Wait();
  return status;
}

// A call of the callback stub whose completion is an event: a future by hand.
class RawPending final : public PendingEcho {
 public:
  RawPending(RawEcho::Stub& stub, const Bytes& request) : request_(request) {
    stub.async()->Echo(&context_, &request_, &response_, [this](grpc::Status status) {
      status_ = std::move(status);
      done_.Notify();
    });
  }

  void Wait() override {
    done_.Wait();
    CheckStatus(status_);
    if (response_.data().size() != request_.data().size()) Die("wrong echo size");
  }

 private:
  grpc::ClientContext context_;
  Bytes request_;
  Bytes response_;
  grpc::Status status_;  // written before done_ is notified, read after
  Event done_;
};

// Keeps `in_flight` echoes running until `until` by starting the next call from the
// completion callback of the previous one, so that no thread waits in between.
//
// Thread safety: Run() on one thread; completions run concurrently on gRPC's callback
// threads. A slot belongs to one call at a time (the one started from the previous
// call's callback), so slots need no lock; the counters are atomics.
class EchoLoop {
 public:
  EchoLoop(RawEcho::Stub& stub, const Bytes& request, int in_flight, absl::Time until)
      : stub_(stub), until_(until), slots_(in_flight), running_(in_flight) {
    for (Slot& slot : slots_) slot.request = request;
  }

  // Returns how many calls completed.
  int64_t Run() {
    for (Slot& slot : slots_) Start(slot);
    all_done_.Wait();
    return completed_.load();
  }

 private:
  struct Slot {
    std::optional<grpc::ClientContext> context;  // a fresh one per call
    Bytes request;
    Bytes response;
  };

  void Start(Slot& slot) {
    slot.context.emplace();
    stub_.async()->Echo(&*slot.context, &slot.request, &slot.response,
                        [this, &slot](grpc::Status status) { Done(slot, status); });
  }

  void Done(Slot& slot, const grpc::Status& status) {
    CheckStatus(status);
    if (slot.response.data().size() != slot.request.data().size()) Die("wrong echo size");
    completed_.fetch_add(1, std::memory_order_relaxed);
    if (absl::Now() < until_) {
      Start(slot);
    } else if (running_.fetch_sub(1) == 1) {
      all_done_.Notify();
    }
  }

  RawEcho::Stub& stub_;
  const absl::Time until_;
  std::vector<Slot> slots_;
  std::atomic<int> running_;  // slots whose last call has not completed yet
  std::atomic<int64_t> completed_{0};
  Event all_done_;
};

// Calls in flight through the async stub and one completion queue, which the thread
// that waits for a call polls itself: each event it takes marks its call done, whichever
// call that is, until the one it waits for is. No other thread touches the queue.
//
// Thread safety: one thread makes the calls and waits for them.
class DrivenQueue {
 public:
  class Pending final : public PendingEcho {
   public:
    Pending(RawEcho::Stub& stub, const Bytes& request, DrivenQueue& queue)
        : queue_(queue), size_(request.data().size()),
          reader_(stub.AsyncEcho(&context_, request, &queue.queue_)) {
      reader_->Finish(&response_, &status_, this);
    }

    void Wait() override {
      while (!done_) {
        void* tag = nullptr;
        bool ok = false;
        if (!queue_.queue_.Next(&tag, &ok)) Die("the completion queue shut down");
        static_cast<Pending*>(tag)->done_ = true;
      }
      CheckStatus(status_);
      if (response_.data().size() != size_) Die("wrong echo size");
    }

   private:
    DrivenQueue& queue_;
    const size_t size_;
    grpc::ClientContext context_;
    Bytes response_;
    grpc::Status status_;
    bool done_ = false;
    std::unique_ptr<grpc::ClientAsyncResponseReader<Bytes>> reader_;
  };

  // Every call was waited for (KeepInFlightByWaiting waits for the last ones): the queue
  // is empty.
  ~DrivenQueue() {
    queue_.Shutdown();
    void* tag = nullptr;
    bool ok = false;
    while (queue_.Next(&tag, &ok)) {
    }
  }

 private:
  grpc::CompletionQueue queue_;
};

bool waited_through_queue = false;

class RawGrpcEcho final : public EchoClient {
 public:
  RawGrpcEcho(int port, RawApi api, Transport transport) : api_(api) {
    grpc::ChannelArguments arguments;
    arguments.SetMaxReceiveMessageSize(-1);
    arguments.SetMaxSendMessageSize(-1);
    if (transport == Transport::kInProcess) {
      grpc::Server* server = ServersOfThisProcess::Get().Find(port);
      if (server == nullptr) Die("no server of this process on port " + std::to_string(port));
      stub_ = RawEcho::NewStub(server->InProcessChannel(arguments));
      return;
    }
    const std::string target =
        RawOverUnixSocket() ? UnixTarget(port) : "127.0.0.1:" + std::to_string(port);
    stub_ = RawEcho::NewStub(
        grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), arguments));
  }

  void SetEchoPayload(size_t bytes) override { request_.set_data(std::string(bytes, 'x')); }

  void Echo() override {
    Bytes response;
    CallOnce(request_, response, [](auto& stub, auto&&... args) {
      return stub.Echo(std::forward<decltype(args)>(args)...);
    });
    request_.mutable_data()->swap(*response.mutable_data());  // back for the next call
  }

  int64_t EchoInFlight(int in_flight, absl::Time until) override {
    if (api_ == RawApi::kCallback) return EchoLoop(*stub_, request_, in_flight, until).Run();
    if (api_ == RawApi::kCallbackWaited && waited_through_queue) {
      DrivenQueue queue;
      return KeepInFlightByWaiting(in_flight, until, [&] {
        return std::make_unique<DrivenQueue::Pending>(*stub_, request_, queue);
      });
    }
    return KeepInFlightByWaiting(in_flight, until, [this] {
      return std::make_unique<RawPending>(*stub_, request_);
    });
  }

  void SetTransferBytes(size_t bytes) override { transfer_.set_data(std::string(bytes, '\0')); }

  // The request is serialized from const: it stays ready for the next call.
  void PrepareTransfer() override {}

  void Transfer() override {
    Count count;
    CallOnce(transfer_, count, [](auto& stub, auto&&... args) {
      return stub.Consume(std::forward<decltype(args)>(args)...);
    });
    if (count.count() != FloatCount(transfer_)) Die("wrong count");
  }

  void Fetch() override {
    Count count;
    count.set_count(FloatCount(transfer_));
    Bytes result;
    CallOnce(count, result, [](auto& stub, auto&&... args) {
      return stub.Produce(std::forward<decltype(args)>(args)...);
    });
    if (result.data().size() != transfer_.data().size()) Die("Produce returned the wrong size");
  }

 private:
  // One blocking call the way this side calls: on the sync stub, or on the callback stub
  // and waited for. `method(stub, context, request, response[, done])` calls the method on
  // either stub, so one lambda names it for both.
  template <typename Request, typename Response, typename Method>
  void CallOnce(const Request& request, Response& response, Method method) {
    grpc::ClientContext context;
    if (api_ == RawApi::kSync) {
      CheckStatus(method(*stub_, &context, request, &response));
    } else {
      CheckStatus(CallAndWait([&](auto done) {
        method(*stub_->async(), &context, &request, &response, std::move(done));
      }));
    }
  }

  const RawApi api_;
  std::unique_ptr<RawEcho::Stub> stub_;
  Bytes request_;
  Bytes transfer_;
};

}  // namespace

void SetWaitedThroughQueue(bool through_queue) { waited_through_queue = through_queue; }

std::unique_ptr<EchoServer> StartRawGrpcEchoServer(RawApi api) {
  return std::make_unique<RawServer>(api);
}

std::unique_ptr<EchoClient> ConnectRawGrpcEcho(int port, RawApi api, Transport transport) {
  return std::make_unique<RawGrpcEcho>(port, api, transport);
}

}  // namespace lp::bench
