#include "bench/rpc/courier_echo.h"

#include <cstdio>
#include <cstdlib>
#include <atomic>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lp/courier_channel.h"
#include "lp/courier_client.h"
#include "lp/courier_methods.h"
#include "lp/courier_server.h"
#include "lp/event.h"
#include "lp/future.h"
#include "lp/internal/courier_dispatch.h"
#include "lp/tensor.h"

namespace lp::bench {

// The float32 tensor of `count` zeros that Produce returns a copy of: made once per size
// and kept, as a learner keeps its parameters. Never freed.
const Tensor& KeptTensor(int64_t count) {
  static std::mutex mu;
  static auto* kept = new std::map<int64_t, Tensor>;  // guarded by mu
  std::lock_guard lock(mu);
  auto [it, added] = kept->try_emplace(count);
  if (added) it->second = Tensor(DType::kFloat, {count});
  return it->second;  // map nodes stay where they are
}

// What the lp side serves: ordinary C++ methods.
class EchoService {
 public:
  // Returns its argument: by value in, by value out, so the bytes are moved both ways.
  std::string Echo(std::string payload) { return payload; }
  // The argument-transfer scenario: receives a tensor, returns its element count.
  int64_t Consume(Tensor tensor) { return tensor.NumElements(); }
  // The result-transfer scenario: returns a copy of the `count` float32 elements it
  // keeps, written as a learner returns its parameters.
  Tensor Produce(int64_t count) { return KeptTensor(count); }
  // The same, as `parts` tensors of count / parts elements each, keyed by name.
  std::map<std::string, Tensor> ProduceParts(int64_t count, int64_t parts) {
    std::map<std::string, Tensor> tensors;
    for (int64_t i = 0; i < parts; ++i) {
      tensors.emplace(absl::StrCat("layer_", i), KeptTensor(count / parts));
    }
    return tensors;
  }
};
LP_COURIER_METHODS(EchoService, Echo, Consume, Produce, ProduceParts);

namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "lp Courier: %s\n", what.c_str());
  std::abort();
}

// The lp server's options: the defaults, but for handler_threads when
// LP_BENCH_HANDLER_THREADS is set (it reaches the --serve child with the environment), to
// measure what the size of the handler pool costs.
CourierServerOptions ServerOptions() {
  CourierServerOptions options;
  if (const char* threads = std::getenv("LP_BENCH_HANDLER_THREADS"); threads != nullptr) {
    options.handler_threads = std::atoi(threads);
  }
  return options;
}

class CourierEchoServer final : public EchoServer {
 public:
  explicit CourierEchoServer(CourierUse use) : server_(ServerOptions()) {
    // What CourierNode<EchoService>::RunInline(&EchoService::Echo) etc. register.
    const std::set<std::string> inline_methods =
        use == CourierUse::kInline
            ? std::set<std::string>{"Echo", "Consume", "Produce", "ProduceParts"}
            : std::set<std::string>{};
    if (absl::Status s = internal::RegisterCourierMethods(&service_, server_, {}, inline_methods);
        !s.ok()) {
      Die(s.ToString());
    }
    absl::StatusOr<int> port = server_.Start("127.0.0.1:0");
    if (!port.ok()) Die(port.status().ToString());
    port_ = *port;
  }

  int port() const override { return port_; }

 private:
  EchoService service_;
  CourierServer server_;
  int port_ = 0;
};

class CourierPending final : public PendingEcho {
 public:
  CourierPending(Future<std::string> future, size_t size)
      : future_(std::move(future)), size_(size) {}

  void Wait() override {
    try {
      if (future_.Get().size() != size_) Die("echo returned the wrong size");
    } catch (const std::exception& e) {
      Die(e.what());
    }
  }

 private:
  Future<std::string> future_;
  size_t size_;
};

// Keeps `in_flight` echoes running until `until`, each completion starting the next call
// from Future::OnReady, so that no thread waits in between (raw gRPC's EchoLoop, with lp's
// futures).
//
// Thread safety: Run() on one thread; completions run concurrently on gRPC's threads. A
// chain has one call at a time; the counters are atomics.
class ChainedEchoes {
 public:
  ChainedEchoes(const CourierClient<EchoService>& client, const std::string& payload,
                int in_flight, absl::Time until)
      : client_(client), payload_(payload), until_(until), running_(in_flight) {}

  // Returns how many calls completed.
  int64_t Run() {
    for (int i = running_.load(); i > 0; --i) Start();
    all_done_.Wait();
    return completed_.load();
  }

 private:
  void Start() {
    client_.Async(&EchoService::Echo, payload_)
        .OnReady([this](absl::StatusOr<std::string> echoed) {
          if (!echoed.ok()) Die(echoed.status().ToString());
          if (echoed->size() != payload_.size()) Die("echo returned the wrong size");
          completed_.fetch_add(1, std::memory_order_relaxed);
          if (absl::Now() < until_) {
            Start();
          } else if (running_.fetch_sub(1) == 1) {
            all_done_.Notify();
          }
        });
  }

  const CourierClient<EchoService>& client_;
  const std::string& payload_;
  const absl::Time until_;
  std::atomic<int> running_;  // chains whose last call has not completed yet
  std::atomic<int64_t> completed_{0};
  Event all_done_;
};

class CourierEcho final : public EchoClient {
 public:
  CourierEcho(int port, CourierUse use, Transport transport)
      : use_(use),
        port_(port),
        transport_(transport),
        client_(Connect(port, /*same_host=*/true, transport)) {}

  void UseSameHostPath(bool use) override { client_ = Connect(port_, use, transport_); }

  void SetEchoPayload(size_t bytes) override { payload_ = std::string(bytes, 'x'); }

  void Echo() override {
    const size_t size = payload_.size();
    try {
      payload_ = client_.Call(&EchoService::Echo, std::move(payload_));
    } catch (const std::exception& e) {
      Die(e.what());
    }
    if (payload_.size() != size) Die("echo returned the wrong size");
  }

  int64_t EchoInFlight(int in_flight, absl::Time until) override {
    if (use_ == CourierUse::kInline) return ChainedEchoes(client_, payload_, in_flight, until).Run();
    // Futures, waited for by this thread, oldest first.
    return KeepInFlightByWaiting(in_flight, until, [this] {
      return std::make_unique<CourierPending>(client_.Async(&EchoService::Echo, payload_),
                                              payload_.size());
    });
  }

  void SetTransferBytes(size_t bytes) override {
    template_ = Tensor(DType::kFloat, {static_cast<int64_t>(bytes / sizeof(float))});
  }

  void PrepareTransfer() override { next_ = template_; }

  void Transfer() override {
    const int64_t expected = next_.NumElements();
    int64_t count = 0;
    try {
      // By rvalue: the tensor's buffer is swapped into the request, not copied.
      count = client_.Call(&EchoService::Consume, std::move(next_));
    } catch (const std::exception& e) {
      Die(e.what());
    }
    if (count != expected) Die("Consume counted the wrong number of elements");
  }

  void Fetch() override {
    const int64_t count = template_.NumElements();
    int64_t received = 0;
    try {
      if (fetch_parts_ == 1) {
        received = client_.Call(&EchoService::Produce, count).NumElements();
      } else {
        for (const auto& [name, tensor] :
             client_.Call(&EchoService::ProduceParts, count, int64_t{fetch_parts_})) {
          received += tensor.NumElements();
        }
      }
    } catch (const std::exception& e) {
      Die(e.what());
    }
    if (received != count / fetch_parts_ * fetch_parts_) Die("Produce returned the wrong size");
  }

  void SetFetchParts(int parts) override { fetch_parts_ = parts; }

 private:
  static CourierClient<EchoService> Connect(int port, bool same_host, Transport transport) {
    CourierChannelOptions options;
    options.same_host_tensors = same_host;
    options.in_process = transport == Transport::kInProcess;
    return CourierClient<EchoService>(
        CourierChannel::Create("127.0.0.1:" + std::to_string(port), std::move(options)), "bench");
  }

  const CourierUse use_;
  const int port_;
  const Transport transport_;
  CourierClient<EchoService> client_;
  std::string payload_;
  Tensor template_;
  int fetch_parts_ = 1;
  Tensor next_;
};

}  // namespace

std::unique_ptr<EchoServer> StartCourierEchoServer(CourierUse use) {
  return std::make_unique<CourierEchoServer>(use);
}

std::unique_ptr<EchoClient> ConnectCourierEcho(int port, CourierUse use, Transport transport) {
  return std::make_unique<CourierEcho>(port, use, transport);
}

}  // namespace lp::bench
