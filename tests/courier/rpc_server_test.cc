// CourierServer over real sockets (127.0.0.1, port 0): dispatch, error semantics,
// thread limits, health, garbage input and shutdown.
#include "tests/courier/rpc_test_util.h"
#include "lp/courier_server.h"

#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "lp/courier_channel.h"
#include "lp/rpc_error.h"
#include "src/courier/serialization/tensor_bytes.h"

namespace lp {
namespace {

using ::lp::testing::Args;
using ::lp::testing::EchoFirst;
using ::lp::testing::Gate;
using ::lp::testing::Int;
using ::lp::testing::kLong;
using ::lp::testing::Timeout;




class ServerTest : public ::testing::Test {
 protected:
  void StartServer(CourierServerOptions options = {}) {
    server_ = std::make_unique<CourierServer>(options);
    ASSERT_TRUE(server_->RegisterMethod("Echo", EchoFirst).ok());
    ASSERT_TRUE(server_
                    ->RegisterMethod("Fail",
                                     [](courier::CallArguments&)
                                         -> absl::StatusOr<courier::SerializedObject> {
                                       return absl::FailedPreconditionError("not ready yet");
                                     })
                    .ok());
    ASSERT_TRUE(server_
                    ->RegisterMethod("Throw",
                                     [](courier::CallArguments&)
                                         -> absl::StatusOr<courier::SerializedObject> {
                                       throw std::runtime_error("boom 42");
                                     })
                    .ok());
    ASSERT_TRUE(server_
                    ->RegisterMethod("Block",
                                     [this](courier::CallArguments& args)
                                         -> absl::StatusOr<courier::SerializedObject> {
                                       gate_.Enter();
                                       return EchoFirst(args);
                                     })
                    .ok());
    absl::StatusOr<int> port = server_->Start("127.0.0.1:0");
    ASSERT_TRUE(port.ok()) << port.status();
    ASSERT_GT(*port, 0);
    EXPECT_EQ(server_->port(), *port);
    target_ = "127.0.0.1:" + std::to_string(*port);
    channel_ = CourierChannel::Create(target_);
  }

  void TearDown() override {
    gate_.Release();  // never leave a handler blocked: Shutdown waits for handlers
    server_.reset();
  }

  void ExpectEchoWorks(int64_t value = 7) {
    absl::StatusOr<courier::SerializedObject> result =
        channel_->Call("Echo", Args({Int(value)}), Timeout());
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->int_value(), value);
  }

  Gate gate_;
  std::unique_ptr<CourierServer> server_;
  std::string target_;
  std::shared_ptr<CourierChannel> channel_;
};

TEST_F(ServerTest, EchoRoundTrip) {
  StartServer();
  courier::SerializedObject text;
  text.set_string_value(std::string("bytes\0with nul", 14));
  absl::StatusOr<courier::SerializedObject> result =
      channel_->Call("Echo", Args({text, Int(1)}), Timeout());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->string_value(), text.string_value());
}

TEST_F(ServerTest, ListMethodsIsSorted) {
  StartServer();
  absl::StatusOr<std::vector<std::string>> methods = channel_->ListMethods(Timeout());
  ASSERT_TRUE(methods.ok()) << methods.status();
  EXPECT_EQ(*methods, (std::vector<std::string>{"Block", "Echo", "Fail", "Throw"}));
  EXPECT_EQ(server_->MethodNames(), *methods);
}

TEST_F(ServerTest, UnknownMethodIsNotFoundAndListsMethods) {
  StartServer();
  absl::StatusOr<courier::SerializedObject> result =
      channel_->Call("Nope", Args({}), Timeout());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(result.status().message(),
            "No Courier method 'Nope' on this server; available methods: Block, Echo, Fail, "
            "Throw");
  ExpectEchoWorks();
}

TEST_F(ServerTest, KeywordArgumentsAreRejected) {
  StartServer();
  courier::CallArguments args = Args({Int(1)});
  (*args.mutable_kwargs())["beta"] = Int(2);
  (*args.mutable_kwargs())["alpha"] = Int(3);
  absl::StatusOr<courier::SerializedObject> result =
      channel_->Call("Echo", std::move(args), Timeout());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("keyword arguments are not supported"),
            absl::string_view::npos)
      << result.status();
  EXPECT_NE(result.status().message().find("(alpha, beta)"), absl::string_view::npos)
      << result.status();
  EXPECT_NE(result.status().message().find("'Echo'"), absl::string_view::npos);
  ExpectEchoWorks();
}

TEST_F(ServerTest, ThrowingHandlerFailsTheCallOnly) {
  StartServer();
  absl::StatusOr<courier::SerializedObject> result =
      channel_->Call("Throw", Args({}), Timeout());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(result.status().message(), "Courier method 'Throw' threw an exception: boom 42");
  ExpectEchoWorks();
  // And again: nothing was left broken.
  EXPECT_EQ(channel_->Call("Throw", Args({}), Timeout()).status().code(),
            absl::StatusCode::kUnknown);
  ExpectEchoWorks(8);
}

TEST_F(ServerTest, HandlerStatusPassesThroughWithMethodName) {
  StartServer();
  absl::StatusOr<courier::SerializedObject> result = channel_->Call("Fail", Args({}), Timeout());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(result.status().message(), "Courier method 'Fail': not ready yet");
  ExpectEchoWorks();
}

TEST_F(ServerTest, StatusMessageArrivesIntact) {
  const std::string message = "línea 1\nline 2: 100% ✓ {\"json\": true}";
  CourierServer server;
  ASSERT_TRUE(server
                  .RegisterMethod("Odd",
                                  [&message](courier::CallArguments&)
                                      -> absl::StatusOr<courier::SerializedObject> {
                                    return absl::ResourceExhaustedError(message);
                                  })
                  .ok());
  absl::StatusOr<int> port = server.Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok());
  auto channel = CourierChannel::Create("127.0.0.1:" + std::to_string(*port));
  absl::StatusOr<courier::SerializedObject> result = channel->Call("Odd", Args({}), Timeout());
  EXPECT_EQ(result.status(),
            absl::ResourceExhaustedError("Courier method 'Odd': " + message));
}

// A handler ended by its program's stop replies ProgramStoppedStatus; the caller, in a
// process that may not have heard of that stop yet, sees the same: its mark crosses the
// wire with the code and the message. Another CANCELLED does not become one.
TEST_F(ServerTest, AProgramStoppedReplyArrivesAsProgramStopped) {
  CourierServer server;
  ASSERT_TRUE(server
                  .RegisterMethod("Stopped",
                                  [](courier::CallArguments&)
                                      -> absl::StatusOr<courier::SerializedObject> {
                                    return ProgramStoppedStatus("rl", "replay/0");
                                  })
                  .ok());
  ASSERT_TRUE(server
                  .RegisterMethod("Cancelled",
                                  [](courier::CallArguments&)
                                      -> absl::StatusOr<courier::SerializedObject> {
                                    return absl::CancelledError("program 'rl' is stopping");
                                  })
                  .ok());
  absl::StatusOr<int> port = server.Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok());
  auto channel = CourierChannel::Create("127.0.0.1:" + std::to_string(*port));
  absl::StatusOr<courier::SerializedObject> stopped = channel->Call("Stopped", Args({}), Timeout());
  EXPECT_TRUE(IsProgramStopped(stopped.status())) << stopped.status();
  EXPECT_EQ(stopped.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(stopped.status().message(),
            "Courier method 'Stopped': " +
                std::string(ProgramStoppedStatus("rl", "replay/0").message()));
  absl::StatusOr<courier::SerializedObject> cancelled =
      channel->Call("Cancelled", Args({}), Timeout());
  EXPECT_EQ(cancelled.status().code(), absl::StatusCode::kCancelled);
  EXPECT_FALSE(IsProgramStopped(cancelled.status())) << cancelled.status();
}

TEST_F(ServerTest, FutureGetThrowsRpcErrorFromServer) {
  StartServer();
  Future<courier::SerializedObject> future = channel_->CallFuture("Fail", Args({}), Timeout());
  try {
    future.Get();
    FAIL() << "Get() should have thrown";
  } catch (const RpcError& e) {
    EXPECT_EQ(e.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(e.message(), "Courier method 'Fail': not ready yet");
    EXPECT_EQ(e.method(), "Fail");
  }
  Future<courier::SerializedObject> ok = channel_->CallFuture("Echo", Args({Int(5)}), Timeout());
  EXPECT_EQ(ok.Get().int_value(), 5);
}

TEST_F(ServerTest, RegistrationRules) {
  CourierServer server;
  EXPECT_TRUE(server.RegisterMethod("A", EchoFirst).ok());
  EXPECT_EQ(server.RegisterMethod("A", EchoFirst).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(server.RegisterMethod("", EchoFirst).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(server.RegisterMethod("B", nullptr).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  EXPECT_EQ(server.RegisterMethod("C", EchoFirst).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(server.Start("127.0.0.1:0").status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(ServerTest, BindFailureIsReported) {
  CourierServer server;
  absl::StatusOr<int> port = server.Start("256.1.2.3:0");
  EXPECT_FALSE(port.ok());
}

TEST_F(ServerTest, IPv6AndWildcardAddresses) {
  for (const char* address : {"0.0.0.0:0", "[::]:0"}) {
    CourierServer server;
    ASSERT_TRUE(server.RegisterMethod("Echo", EchoFirst).ok());
    absl::StatusOr<int> port = server.Start(address);
    ASSERT_TRUE(port.ok()) << address << ": " << port.status();
    auto channel = CourierChannel::Create("127.0.0.1:" + std::to_string(*port));
    absl::StatusOr<courier::SerializedObject> result =
        channel->Call("Echo", Args({Int(3)}), Timeout());
    ASSERT_TRUE(result.ok()) << address << ": " << result.status();
  }
}

// The guarantee a batching layer relies on: N handlers can block at the same time (here
// max_concurrent_handlers = 3 caps the default 16 handler threads).
TEST_F(ServerTest, MaxConcurrentHandlersCanAllBlock) {
  constexpr int kHandlers = 3;
  StartServer({.max_concurrent_handlers = kHandlers});
  std::vector<Future<courier::SerializedObject>> blocked;
  for (int i = 0; i < kHandlers; ++i) {
    blocked.push_back(channel_->CallFuture("Block", Args({Int(i)}), Timeout()));
  }
  ASSERT_TRUE(gate_.AwaitEntered(kHandlers));
  // One more is refused rather than queued behind the blocked ones.
  EXPECT_EQ(channel_->Call("Echo", Args({Int(1)}), Timeout()).status().code(),
            absl::StatusCode::kResourceExhausted);
  gate_.Release();
  for (int i = 0; i < kHandlers; ++i) {
    absl::StatusOr<courier::SerializedObject> result = blocked[i].TakeResult();
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->int_value(), i);
  }
  ExpectEchoWorks();
}

// Garbage bytes on the wire: refused before any handler runs (rpc_limits_test checks the
// message).
TEST_F(ServerTest, CorruptedRequestBytesFailAndServerKeepsServing) {
  StartServer();
  auto grpc_channel = grpc::CreateChannel(target_, grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(grpc_channel);
  // Field 31 with the invalid wire type 7, then truncated junk: not a CallRequest.
  const std::string garbage("\xff\xff\xff\xff\x0f\x07\x07\x07", 8);
  grpc::Slice slice(garbage);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + kLong));
  Event done;
  grpc::Status status;
  stub.UnaryCall(&context, "/courier.CourierService/Call", grpc::StubOptions(), &request,
                 &response, [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  ASSERT_TRUE(done.WaitFor(kLong));
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  ExpectEchoWorks();
}

// grpc.health.v1.Health/Check with hand-encoded messages (no generated health code here):
// request {} is empty; response {status: SERVING=1 | NOT_SERVING=2} is "\x08\x01" / "\x08\x02".
std::string HealthCheck(const std::string& target) {
  grpc::GenericStub stub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  grpc::ByteBuffer request;
  grpc::Slice empty("");
  request = grpc::ByteBuffer(&empty, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + kLong));
  Event done;
  grpc::Status status;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                 &response, [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  if (!done.WaitFor(kLong)) return "timeout";
  if (!status.ok()) return "error: " + status.error_message();
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return "undecodable";
  std::string bytes;
  for (const grpc::Slice& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return bytes;
}

TEST_F(ServerTest, HealthCheckFollowsSetServing) {
  StartServer();
  EXPECT_EQ(HealthCheck(target_), std::string("\x08\x01", 2));
  server_->SetServing(false);
  EXPECT_EQ(HealthCheck(target_), std::string("\x08\x02", 2));
  server_->SetServing(true);
  EXPECT_EQ(HealthCheck(target_), std::string("\x08\x01", 2));
}

TEST_F(ServerTest, ShutdownBeforeStartAndTwice) {
  CourierServer server;
  server.Shutdown();
  server.Shutdown();
  EXPECT_EQ(server.Start("127.0.0.1:0").status().code(), absl::StatusCode::kFailedPrecondition);
}

// Calls are blocked in handlers, more are arriving, and two threads shut down at once.
TEST_F(ServerTest, ShutdownWithCallsInFlight) {
  StartServer();
  std::vector<Future<courier::SerializedObject>> blocked;
  constexpr int kBlocked = 4;  // fewer than the default 16 handler threads: all run at once
  for (int i = 0; i < kBlocked; ++i) {
    blocked.push_back(channel_->CallFuture("Block", Args({Int(i)}), Timeout()));
  }
  // Every call must have reached its handler before the shutdown. A call still on its way
  // when the server says goodbye (GOAWAY) was never seen by it, so gRPC retries it on a
  // new connection, and with wait_for_ready it waits for a server until its deadline:
  // gRPC's rule for a server that went away, not a call the shutdown failed to answer.
  ASSERT_TRUE(gate_.AwaitEntered(kBlocked)) << gate_.entered() << " of " << kBlocked;

  std::atomic<bool> stop_callers{false};
  std::atomic<int> echo_calls{0};
  std::thread caller([&] {
    CallOptions no_wait = Timeout(absl::Seconds(10));
    no_wait.wait_for_ready = false;  // once the server is gone, fail fast
    while (!stop_callers.load()) {
      (void)channel_->Call("Echo", Args({Int(1)}), no_wait);
      echo_calls.fetch_add(1);
    }
  });
  std::thread first([&] { server_->Shutdown(absl::Now() + absl::Milliseconds(50)); });
  std::thread second([&] { server_->Shutdown(absl::Now()); });
  gate_.Release();
  first.join();
  second.join();
  stop_callers = true;
  caller.join();

  for (auto& future : blocked) {
    ASSERT_TRUE(future.WaitFor(kLong));
    absl::StatusOr<courier::SerializedObject> result = future.TakeResult();
    // Finished in time or cancelled by the shutdown; either way, an answer.
    if (!result.ok()) {
      EXPECT_NE(result.status().code(), absl::StatusCode::kDeadlineExceeded) << result.status();
    }
  }
  // Down for good: new calls fail fast instead of waiting.
  CallOptions no_wait = Timeout(absl::Seconds(10));
  no_wait.wait_for_ready = false;
  EXPECT_FALSE(channel_->Call("Echo", Args({Int(1)}), no_wait).ok());
  server_->Shutdown();  // still idempotent
}

// What is left of a call once its reply is sent (its reply's buffers, gRPC's state) is
// freed in batches, not by waking a thread per call (src/courier/rpc/call_ends.h); a
// server that then goes idle must still free its last call, or a learner that returned
// its parameters would keep a copy of them until the next calls. A reply's tensor storage
// is given back for reuse when the reply is freed (recycled_tensors.h): that is awaited.
TEST_F(ServerTest, AServerThatGoesIdleFreesItsLastReply) {
  internal::FreeRecycledBytes();  // the cache is the process's
  auto server = std::make_unique<CourierServer>();
  ASSERT_TRUE(server->RegisterMethod("Patterned", ::lp::testing::ReturnPatterned).ok());
  absl::StatusOr<int> port = server->Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok()) << port.status();
  auto channel = CourierChannel::Create("127.0.0.1:" + std::to_string(*port));
  // Recycled (tensor_bytes.h), and too small for the offer of shared memory, which would
  // send it another way (same_host.h). One call: none after it collects its end.
  constexpr int64_t kBytes = int64_t{512} << 10;
  const uint64_t reused_before = internal::RecyclingNow().reused;
  absl::StatusOr<courier::SerializedObject> reply =
      channel->Call("Patterned", Args({Int(kBytes), Int(1)}), Timeout());
  ASSERT_TRUE(reply.ok()) << reply.status();  // kept: the caller's copy is not given back
  // The reply's storage is the only buffer given back in this test. On a busy machine the
  // server may free it before the caller's thread runs again, and the caller's copy of the
  // reply then takes it out of the cache (a reuse) instead of fresh storage: freed too.
  const auto reply_given_back = [&] {
    const internal::RecyclingCounts now = internal::RecyclingNow();
    return now.buffers == 1 || now.reused > reused_before;
  };
  const absl::Time deadline = absl::Now() + kLong;
  while (!reply_given_back() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  EXPECT_TRUE(reply_given_back());
  server.reset();
  internal::FreeRecycledBytes();
}

// A handler may ask its own server to stop (e.g. a "Stop" method).
TEST_F(ServerTest, ShutdownFromInsideAHandler) {
  auto server = std::make_unique<CourierServer>();
  CourierServer* self = server.get();
  ASSERT_TRUE(server
                  ->RegisterMethod("Stop",
                                   [self](courier::CallArguments&)
                                       -> absl::StatusOr<courier::SerializedObject> {
                                     self->Shutdown(absl::Now() + kLong);
                                     return Int(1);
                                   })
                  .ok());
  absl::StatusOr<int> port = server->Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok());
  auto channel = CourierChannel::Create("127.0.0.1:" + std::to_string(*port));
  absl::StatusOr<courier::SerializedObject> result = channel->Call("Stop", Args({}), Timeout());
  ASSERT_TRUE(result.ok()) << result.status();
  server->Shutdown();  // waits for the shutdown the handler started
  CallOptions no_wait = Timeout(absl::Seconds(10));
  no_wait.wait_for_ready = false;
  EXPECT_FALSE(channel->Call("Stop", Args({}), no_wait).ok());
  server.reset();
}

}  // namespace
}  // namespace lp
