// CourierChannel: deadlines, wait-for-ready, address resolution, many async calls,
// large messages.
#include "tests/courier/rpc_test_util.h"
#include "tests/support/thread_count.h"
#include "src/courier/rpc/call_scope.h"
#include "lp/courier_channel.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lp/courier_server.h"

namespace lp {
namespace {

using ::lp::testing::Args;
using ::lp::testing::EchoFirst;
using ::lp::testing::Int;
using ::lp::testing::kLong;
using ::lp::testing::Timeout;




std::unique_ptr<CourierServer> EchoServer() {
  auto server = std::make_unique<CourierServer>();
  EXPECT_TRUE(server->RegisterMethod("Echo", EchoFirst).ok());
  return server;
}

// An echo server whose "Slow" method echoes only once `release` is notified.
std::unique_ptr<CourierServer> EchoServerWithSlowMethod(Event& release) {
  auto server = EchoServer();
  EXPECT_TRUE(server
                  ->RegisterMethod("Slow",
                                   [&release](courier::CallArguments& args)
                                       -> absl::StatusOr<courier::SerializedObject> {
                                     release.WaitFor(kLong);
                                     return EchoFirst(args);
                                   })
                  .ok());
  return server;
}

// A unix socket path nobody else uses: lets a client dial a server before it exists
// without racing anyone for a TCP port.
std::string UniqueSocketPath() {
  static std::atomic<int> counter{0};
  return absl::StrCat("/tmp/lp_rpc_test_", getpid(), "_", counter.fetch_add(1), ".sock");
}

// A peer that speaks just enough HTTP/2 to take one connection on a Unix socket and
// answer the first call on it as a server that shuts down while the call is on its way:
// a GOAWAY whose last stream id is 0, which tells the client that no call of this
// connection was seen. It stops listening once it has its connection, so that another
// server may take the path. What gRPC does with such a call is what
// CallOptions::wait_for_ready promises.
//
// Thread safety: WaitRefused may be called from any thread; the peer's own thread does
// the rest.
class RefusingPeer {
 public:
  explicit RefusingPeer(std::string path) : path_(std::move(path)) {
    listener_ = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path_.c_str(), sizeof(address.sun_path) - 1);
    bound_ = listener_ >= 0 &&
             bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
             listen(listener_, 1) == 0;
    if (bound_) thread_ = std::thread([this] { Serve(); });
  }
  ~RefusingPeer() {
    // Unblocks the thread if the client never came, or never left.
    shutdown(listener_, SHUT_RDWR);
    if (const int connection = connection_.load(); connection >= 0) {
      shutdown(connection, SHUT_RDWR);
    }
    if (thread_.joinable()) thread_.join();
    // Closed only here, after the join: a descriptor closed by the thread could be reused
    // by gRPC's sockets before the shutdown above.
    if (const int connection = connection_.load(); connection >= 0) close(connection);
    close(listener_);
    unlink(path_.c_str());
  }

  bool bound() const { return bound_; }
  // True once a call came and was refused, and the path is free again.
  bool WaitRefused(absl::Duration timeout) const { return refused_.WaitFor(timeout); }

 private:
  static constexpr uint8_t kHeaders = 1, kSettings = 4, kGoaway = 7, kAck = 1;

  static bool ReadFully(int fd, uint8_t* into, std::size_t size) {
    for (std::size_t got = 0; got < size;) {
      const ssize_t n = read(fd, into + got, size - got);
      if (n <= 0) return false;
      got += static_cast<std::size_t>(n);
    }
    return true;
  }
  // An HTTP/2 frame on stream 0: a 9-byte header, then `payload` (under 256 bytes).
  static void SendFrame(int fd, uint8_t type, uint8_t flags, const std::vector<uint8_t>& payload) {
    std::vector<uint8_t> frame = {0, 0, static_cast<uint8_t>(payload.size()), type, flags,
                                  0, 0, 0, 0};
    frame.insert(frame.end(), payload.begin(), payload.end());
    EXPECT_EQ(write(fd, frame.data(), frame.size()), static_cast<ssize_t>(frame.size()));
  }

  void Serve() {
    const int connection = accept(listener_, nullptr, nullptr);
    // One connection only. The path is freed now, before the call is refused: a client
    // that reconnected to this listener after the refusal would wait for an answer that
    // never comes, until gRPC's connect timeout (20 s).
    unlink(path_.c_str());
    shutdown(listener_, SHUT_RDWR);
    if (connection < 0) return;
    connection_.store(connection);
    SendFrame(connection, kSettings, 0, {});  // the server's preface: no settings
    std::array<uint8_t, 24> preface;          // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
    if (!ReadFully(connection, preface.data(), preface.size())) return;
    for (;;) {
      std::array<uint8_t, 9> header;
      if (!ReadFully(connection, header.data(), header.size())) return;
      std::vector<uint8_t> payload((std::size_t{header[0]} << 16) | (header[1] << 8) | header[2]);
      if (!ReadFully(connection, payload.data(), payload.size())) return;
      const uint8_t type = header[3], flags = header[4];
      if (type == kSettings && (flags & kAck) == 0) SendFrame(connection, kSettings, kAck, {});
      if (type == kHeaders) break;  // a call
    }
    // Last stream id 0 (no call seen), error code 0 (NO_ERROR): a graceful shutdown.
    SendFrame(connection, kGoaway, 0, std::vector<uint8_t>(8, 0));
    refused_.Notify();
    // Until the client, left with no call on this connection, closes it.
    std::array<uint8_t, 256> rest;
    while (read(connection, rest.data(), rest.size()) > 0) {
    }
  }

  const std::string path_;
  int listener_ = -1;
  bool bound_ = false;
  std::atomic<int> connection_{-1};
  Event refused_;
  std::thread thread_;
};

// A channel whose calls enter `scope`.
std::shared_ptr<CourierChannel> ScopedChannel(const std::string& target,
                                              std::shared_ptr<CallScope> scope) {
  CourierChannelOptions options;
  options.scope = std::move(scope);
  return CourierChannel::Create(target, options);
}

TEST(CallScopeTest, CancellingEndsCallsInFlightAndRefusesLaterOnesWithItsReason) {
  Event release;
  std::atomic<int> entered{0};
  auto server = EchoServer();
  ASSERT_TRUE(server
                  ->RegisterMethod("Slow",
                                   [&](courier::CallArguments& args)
                                       -> absl::StatusOr<courier::SerializedObject> {
                                     ++entered;
                                     release.WaitFor(kLong);
                                     return EchoFirst(args);
                                   })
                  .ok());
  absl::StatusOr<int> port = server->Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok());
  auto scope = std::make_shared<CallScope>();
  auto channel = ScopedChannel(absl::StrCat("127.0.0.1:", *port), scope);
  ASSERT_TRUE(channel->Call("Echo", Args({Int(1)})).ok());

  // One blocking call and one future, both stuck in the slow handler, no deadline.
  Future<courier::SerializedObject> pending = channel->CallFuture("Slow", Args({Int(2)}));
  absl::StatusOr<courier::SerializedObject> blocking;
  std::thread caller([&] { blocking = channel->Call("Slow", Args({Int(3)})); });
  const absl::Status reason = absl::CancelledError("the program is stopping");
  // Both calls are in the server's handler: cancelling must end calls in flight.
  const absl::Time deadline = absl::Now() + kLong;
  while (entered.load() < 2 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
  ASSERT_EQ(entered.load(), 2);
  scope->Cancel(reason);
  caller.join();
  EXPECT_EQ(blocking.status(), reason);
  ASSERT_TRUE(pending.WaitFor(kLong));
  EXPECT_EQ(pending.TakeResult().status(), reason);

  // Later calls fail at once, without being sent; the first reason stays.
  scope->Cancel(absl::UnavailableError("a second reason"));
  EXPECT_EQ(channel->Call("Echo", Args({Int(4)})).status(), reason);
  EXPECT_EQ(channel->ListMethods().status(), reason);
  release.Notify();
}

TEST(CallScopeTest, ScopesCancelledAllAtOnceAlsoCancelScopesCreatedLater) {
  CallScopes scopes;
  std::shared_ptr<CallScope> before = scopes.ForTarget("learner/0");
  EXPECT_TRUE(before->reason().ok());
  scopes.Cancel("replay/0", absl::UnavailableError("replay/0 ended"));
  scopes.CancelAll([](const std::string& target) {
    return absl::CancelledError("stopping; calls to " + target);
  });
  EXPECT_EQ(before->reason().message(), "stopping; calls to learner/0");
  EXPECT_EQ(scopes.ForTarget("actor/3")->reason().message(), "stopping; calls to actor/3");
  // A scope cancelled earlier keeps its own reason.
  EXPECT_EQ(scopes.ForTarget("replay/0")->reason().message(), "replay/0 ended");
  // Only failures of the kind a cancelled call ends with are explained by the scope.
  EXPECT_EQ(before->Explain(absl::CancelledError("CANCELLED")).message(),
            "stopping; calls to learner/0");
  EXPECT_EQ(before->Explain(absl::InvalidArgumentError("bad")).message(), "bad");
}

TEST(ChannelTest, DeadlineExceededOnSlowHandler) {
  Event release;
  auto server = EchoServerWithSlowMethod(release);
  absl::StatusOr<int> port = server->Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok());
  auto channel = CourierChannel::Create(absl::StrCat("127.0.0.1:", *port));

  const absl::Time start = absl::Now();
  absl::StatusOr<courier::SerializedObject> result =
      channel->Call("Slow", Args({Int(1)}), Timeout(absl::Milliseconds(300)));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded) << result.status();
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(250));
  // Absolute deadlines work the same way, for the async path too.
  Future<courier::SerializedObject> future = channel->CallFuture(
      "Slow", Args({Int(1)}), CallOptions::WithDeadline(absl::Now() + absl::Milliseconds(300)));
  EXPECT_EQ(future.TakeResult().status().code(), absl::StatusCode::kDeadlineExceeded);
  release.Notify();
  EXPECT_TRUE(channel->Call("Echo", Args({Int(2)}), Timeout()).ok());
}

// The program's nodes start in any order: the client calls first, the resolver blocks until
// the server thread has started its server and reported the port, then the call goes through.
TEST(ChannelTest, CallBeforeServerStartsWaitsThroughResolver) {
  Event resolver_called;
  std::mutex mu;
  std::condition_variable port_known;
  std::optional<int> port;  // guarded by mu
  auto channel = CourierChannel::Create([&](absl::Time deadline) -> absl::StatusOr<std::string> {
    resolver_called.Notify();
    std::unique_lock<std::mutex> lock(mu);
    if (!port_known.wait_until(lock, absl::ToChronoTime(std::min(deadline, absl::Now() + kLong)),
                               [&] { return port.has_value(); })) {
      return absl::DeadlineExceededError("server never registered");
    }
    return absl::StrCat("127.0.0.1:", *port);
  });

  std::unique_ptr<CourierServer> server;
  std::thread server_thread([&] {
    resolver_called.Wait();  // start only once the client is waiting
    server = EchoServer();
    absl::StatusOr<int> bound = server->Start("127.0.0.1:0");
    ASSERT_TRUE(bound.ok());
    {
      std::lock_guard<std::mutex> lock(mu);
      port = *bound;
    }
    port_known.notify_all();
  });
  absl::StatusOr<courier::SerializedObject> result =
      channel->Call("Echo", Args({Int(11)}), Timeout());
  server_thread.join();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->int_value(), 11);
}

// Wait-for-ready in gRPC itself: the address is known, but nothing listens there yet.
TEST(ChannelTest, CallBeforeServerListensWaitsForReady) {
  const std::string path = UniqueSocketPath();
  auto channel = CourierChannel::Create("unix:" + path);
  Future<courier::SerializedObject> future =
      channel->CallFuture("Echo", Args({Int(12)}), Timeout());
  auto server = EchoServer();
  ASSERT_TRUE(server->Start("unix:" + path).ok());
  absl::StatusOr<courier::SerializedObject> result = future.TakeResult();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->int_value(), 12);
  server.reset();
  unlink(path.c_str());
}

// CallOptions::wait_for_ready: a call on its way when its server shut down, which that
// server never saw, is retried by gRPC like a call not yet sent, and waits for the next
// server at the address. gRPC does so only with its retries on: on a channel made with
// GRPC_ARG_ENABLE_RETRIES = 0 (which saves some CPU per call, docs/performance.md) the call
// fails with UNAVAILABLE, and this test fails.
TEST(ChannelTest, ACallThatAServerShuttingDownNeverSawWaitsForTheNextServer) {
  const std::string path = UniqueSocketPath();
  RefusingPeer refusing(path);
  ASSERT_TRUE(refusing.bound());
  auto channel = CourierChannel::Create("unix:" + path);
  Future<courier::SerializedObject> future =
      channel->CallFuture("Echo", Args({Int(13)}), Timeout());
  ASSERT_TRUE(refusing.WaitRefused(kLong));
  auto server = EchoServer();
  ASSERT_TRUE(server->Start("unix:" + path).ok());
  absl::StatusOr<courier::SerializedObject> result = future.TakeResult();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->int_value(), 13);
  server.reset();
  unlink(path.c_str());
}

TEST(ChannelTest, DeadlineExpiresWhenServerNeverComes) {
  auto channel = CourierChannel::Create("unix:" + UniqueSocketPath());
  absl::StatusOr<courier::SerializedObject> result =
      channel->Call("Echo", Args({Int(1)}), Timeout(absl::Milliseconds(300)));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded) << result.status();
}

TEST(ChannelTest, DeadlineExpiresWhenAddressNeverResolves) {
  auto channel = CourierChannel::Create([](absl::Time deadline) -> absl::StatusOr<std::string> {
    Event never;
    if (!never.WaitFor(deadline - absl::Now())) {
      return absl::DeadlineExceededError("node 'learner' did not register its address");
    }
    return std::string("unreachable");
  });
  absl::StatusOr<courier::SerializedObject> result =
      channel->Call("Echo", Args({Int(1)}), Timeout(absl::Milliseconds(200)));
  EXPECT_EQ(result.status(),
            absl::DeadlineExceededError("node 'learner' did not register its address"));
}

TEST(ChannelTest, FailedResolutionIsRetriedByTheNextCall) {
  auto server = EchoServer();
  absl::StatusOr<int> port = server->Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok());
  std::atomic<int> calls{0};
  auto channel = CourierChannel::Create([&](absl::Time) -> absl::StatusOr<std::string> {
    if (calls.fetch_add(1) == 0) return absl::UnavailableError("coordinator unreachable");
    return absl::StrCat("127.0.0.1:", *port);
  });
  EXPECT_EQ(channel->Call("Echo", Args({Int(1)}), Timeout()).status(),
            absl::UnavailableError("coordinator unreachable"));
  // The async path reports resolution errors through its callback too.
  // (calls == 1 here: the next call resolves successfully.)
  ASSERT_TRUE(channel->Call("Echo", Args({Int(2)}), Timeout()).ok());
  ASSERT_TRUE(channel->Call("Echo", Args({Int(3)}), Timeout()).ok());
  EXPECT_EQ(calls.load(), 2);  // resolved once, then cached
}

TEST(ChannelTest, AsyncCallReportsResolutionFailure) {
  auto channel = CourierChannel::Create([](absl::Time) -> absl::StatusOr<std::string> {
    return absl::NotFoundError("no such node");
  });
  Future<courier::SerializedObject> future = channel->CallFuture("Echo", Args({}), Timeout());
  ASSERT_TRUE(future.IsReady());
  EXPECT_EQ(future.TakeResult().status(), absl::NotFoundError("no such node"));
}

// Concurrent first calls share one resolution.
TEST(ChannelTest, ConcurrentFirstCallsResolveOnce) {
  auto server = EchoServer();
  absl::StatusOr<int> port = server->Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok());
  std::atomic<int> calls{0};
  Event entered, release;
  auto channel = CourierChannel::Create([&](absl::Time) -> absl::StatusOr<std::string> {
    calls.fetch_add(1);
    entered.Notify();
    release.WaitFor(kLong);
    return absl::StrCat("127.0.0.1:", *port);
  });
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      if (channel->Call("Echo", Args({Int(i)}), Timeout()).ok()) ok.fetch_add(1);
    });
  }
  ASSERT_TRUE(entered.WaitFor(kLong));
  release.Notify();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 4);
  EXPECT_EQ(calls.load(), 1);
}

// Bounds the number of calls one thread keeps in flight.
class InFlightLimit {
 public:
  explicit InFlightLimit(int limit) : free_(limit) {}
  void Acquire() {
    std::unique_lock<std::mutex> lock(mu_);
    available_.wait(lock, [this] { return free_ > 0; });
    --free_;
  }
  void Release() {
    // Notified under the lock: once the last Release() unlocks, the limit may go.
    std::lock_guard<std::mutex> lock(mu_);
    ++free_;
    available_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable available_;
  int free_;  // guarded by mu_
};

TEST(ChannelTest, ManyAsyncCallsFromSeveralThreadsNoneLostOrDuplicated) {
  constexpr int kThreads = 4;
  constexpr int kCallsPerThread = 25000;
  constexpr int kTotal = kThreads * kCallsPerThread;
  auto server = EchoServer();
  absl::StatusOr<int> port = server->Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok());
  auto channel = CourierChannel::Create(absl::StrCat("127.0.0.1:", *port));

  std::mutex mu;
  std::vector<int64_t> results;  // guarded by mu
  int done = 0;                  // guarded by mu
  int failures = 0;              // guarded by mu
  results.reserve(kTotal);
  // Outlive the threads: callbacks still touch them after their last Release().
  std::vector<std::unique_ptr<InFlightLimit>> limits;
  for (int t = 0; t < kThreads; ++t) limits.push_back(std::make_unique<InFlightLimit>(128));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      InFlightLimit& limit = *limits[t];
      for (int i = 0; i < kCallsPerThread; ++i) {
        limit.Acquire();
        const int64_t payload = int64_t{t} * kCallsPerThread + i;
        channel->CallAsync("Echo", Args({Int(payload)}), Timeout(),
                           [&](absl::StatusOr<courier::SerializedObject> result) {
                             {
                               std::lock_guard<std::mutex> lock(mu);
                               if (result.ok()) {
                                 results.push_back(result->int_value());
                               } else {
                                 ++failures;
                               }
                               ++done;
                             }
                             limit.Release();
                           });
      }
      // Wait until all of this thread's calls are back.
      for (int i = 0; i < 128; ++i) limit.Acquire();
    });
  }
  for (std::thread& t : threads) t.join();

  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(done, kTotal);
  EXPECT_EQ(failures, 0);
  ASSERT_EQ(results.size(), static_cast<size_t>(kTotal));
  absl::flat_hash_set<int64_t> unique(results.begin(), results.end());
  EXPECT_EQ(unique.size(), static_cast<size_t>(kTotal));
  for (int64_t i = 0; i < kTotal; ++i) {
    if (!unique.contains(i)) {
      ADD_FAILURE() << "lost result " << i;
      break;
    }
  }
}

void ExpectTensorRoundTrip(size_t kBytes) {
  auto server = EchoServer();
  absl::StatusOr<int> port = server->Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok());
  auto channel = CourierChannel::Create(absl::StrCat("127.0.0.1:", *port));

  courier::SerializedObject tensor;
  tensorflow::TensorProto* proto = tensor.mutable_tensor_value();
  proto->set_dtype(tensorflow::DT_FLOAT);
  proto->mutable_tensor_shape()->add_dim()->set_size(kBytes / sizeof(float));
  std::string* content = proto->mutable_tensor_content();
  content->resize(kBytes);
  for (size_t i = 0; i < kBytes; ++i) (*content)[i] = static_cast<char>(i * 131 % 251);
  const std::string expected = *content;

  absl::StatusOr<courier::SerializedObject> result =
      channel->Call("Echo", Args({std::move(tensor)}), Timeout());
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_TRUE(result->has_tensor_value());
  EXPECT_EQ(result->tensor_value().dtype(), tensorflow::DT_FLOAT);
  EXPECT_EQ(result->tensor_value().tensor_shape().dim(0).size(),
            static_cast<int64_t>(kBytes / sizeof(float)));
  EXPECT_TRUE(result->tensor_value().tensor_content() == expected);
}

TEST(ChannelTest, SixtyFourMebibyteTensorRoundTrip) { ExpectTensorRoundTrip(size_t{64} << 20); }

// Needs ~3 GiB of memory; run with --gtest_also_run_disabled_tests.
TEST(ChannelTest, DISABLED_FiveHundredTwelveMebibyteTensorRoundTrip) {
  ExpectTensorRoundTrip(size_t{512} << 20);
}

TEST(ChannelTest, DestroyingChannelWithCallsInFlightIsSafe) {
  Event release;
  auto server = EchoServerWithSlowMethod(release);
  absl::StatusOr<int> port = server->Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok());
  auto channel = CourierChannel::Create(absl::StrCat("127.0.0.1:", *port));
  Future<courier::SerializedObject> future = channel->CallFuture("Slow", Args({Int(4)}), Timeout());
  channel.reset();
  release.Notify();
  absl::StatusOr<courier::SerializedObject> result = future.TakeResult();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->int_value(), 4);
}

// Ten rounds in which a channel and its server go away while the continuation of the
// channel's last call runs on `thread_name`'s thread, which must be the same thread in every
// round (a queue that is made anew has a thread of its own). The call is answered only once
// its continuation is set, which then runs when the reply comes, not on this thread.
void LoseTheChannelInTheContinuationOfItsLastCall(const CourierChannelOptions& options,
                                                  const std::string& thread_name) {
  {
    auto server = EchoServer();
    absl::StatusOr<int> port = server->Start("127.0.0.1:0");
    ASSERT_TRUE(port.ok());
    auto channel = CourierChannel::Create(absl::StrCat("127.0.0.1:", *port), options);
    ASSERT_TRUE(channel->CallFuture("Echo", Args({Int(-1)}), Timeout()).TakeResult().ok());
  }
  const std::set<std::string> queue_threads = ::lp::testing::ThreadsNamed(thread_name);
  ASSERT_FALSE(queue_threads.empty());
  for (int round = 0; round < 10; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    // Shared with the callback, which may still be waking from may_return's wait when
    // this round ends.
    struct Rendezvous {
      Event in_callback;
      Event may_return;
      int value = 0;  // written before in_callback is notified
      std::string thread;
    };
    auto rendezvous = std::make_shared<Rendezvous>();
    Event release;  // outlives the server
    auto server = EchoServerWithSlowMethod(release);
    absl::StatusOr<int> port = server->Start("127.0.0.1:0");
    ASSERT_TRUE(port.ok());
    auto channel = CourierChannel::Create(absl::StrCat("127.0.0.1:", *port), options);
    channel->CallFuture("Slow", Args({Int(round)}), Timeout())
        .OnReady([rendezvous](absl::StatusOr<courier::SerializedObject> result) {
          rendezvous->value = result.ok() ? static_cast<int>(result->int_value()) : -1;
          rendezvous->thread = ::lp::testing::ThisThreadsName();
          rendezvous->in_callback.Notify();
          rendezvous->may_return.WaitFor(kLong);
        });
    release.Notify();
    ASSERT_TRUE(rendezvous->in_callback.WaitFor(kLong));
    EXPECT_EQ(rendezvous->value, round);
    EXPECT_EQ(rendezvous->thread, thread_name);
    channel.reset();
    server.reset();
    rendezvous->may_return.Notify();

    // Those seen before the rounds are all still there, so the queue was never shut down.
    // (One may name itself only after the first look, hence "still there".)
    const std::set<std::string> now = ::lp::testing::ThreadsNamed(thread_name);
    EXPECT_TRUE(std::includes(now.begin(), now.end(), queue_threads.begin(), queue_threads.end()))
        << "round " << round << ": " << absl::StrJoin(now, ",") << " lacks one of "
        << absl::StrJoin(queue_threads, ",");
  }
}

// A call through a socket ends on the process's ClientQueue, whose own thread ("lp_replies")
// runs the continuation when no thread waits for a Future; the queue lives as long as the
// process, whatever becomes of the channels that used it.
TEST(ChannelTest, AChannelMayLoseItsLastReferenceWhileTheCallbackOfItsLastCallRuns) {
  LoseTheChannelInTheContinuationOfItsLastCall(CourierChannelOptions(), "lp_replies");
}

// gRPC 1.51 runs the callbacks of every asynchronous call of a process that uses its
// callback API (lp: calls in process) on the threads of one shared completion queue, named
// "nexting_thread", and joins those threads when the queue's last user (a channel or a
// server) goes away. When that was a channel whose last reference went with the callback
// of its last call, the queue's own thread joined itself and went on polling the deleted
// queue: an abort ("assertion failed: prior > 0") as a program stopped. So the queue is kept
// for the life of the process (rpc::KeepCallbackQueueAlive). (Without the keeper the queue
// exists only while a channel or server uses it, and each round ended its threads or
// aborted.)
TEST(ChannelTest, AnInProcessChannelMayLoseItsLastReferenceWhileTheCallbackOfItsLastCallRuns) {
  CourierChannelOptions options;
  options.in_process = true;
  LoseTheChannelInTheContinuationOfItsLastCall(options, "nexting_thread");
}

}  // namespace
}  // namespace lp
