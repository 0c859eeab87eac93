// Calls to a Courier server of the same process through gRPC's in-process transport
// (CourierChannelOptions::in_process): no socket is opened, and the call behaves as one
// over TCP does: the secret, deadlines, limits, large tensors, futures chained without a
// thread, and the server stopping under its callers.
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "lp/courier_channel.h"
#include "lp/courier_server.h"
#include "lp/future.h"
#include "lp/serialize.h"
#include "src/courier/rpc/in_process_servers.h"
#include "tests/courier/rpc_test_util.h"

namespace lp::rpc {
namespace {

using ::lp::testing::Args;
using ::lp::testing::ConnectionsOnPort;
using ::lp::testing::EchoFirst;
using ::lp::testing::Gate;
using ::lp::testing::Int;
using ::lp::testing::PatternedTensor;
using ::lp::testing::Timeout;

constexpr char kSecret[] = "0123456789abcdef0123456789abcdef";

// A started server with Echo, registered with `echo_options`.
std::unique_ptr<CourierServer> StartServer(const std::string& host, std::string secret = "",
                                           CourierServerOptions options = {},
                                           CourierMethodOptions echo_options = {}) {
  options.require_secret = !secret.empty();
  auto server = std::make_unique<CourierServer>(options);
  EXPECT_TRUE(server->RegisterMethod("Echo", EchoFirst, echo_options).ok());
  EXPECT_TRUE(server->SetSecret(secret, "node learner/0").ok());
  EXPECT_TRUE(server->Start(host + ":0").ok());
  return server;
}

// A started server with Echo, and Block, which waits in `gate` until it is released.
std::unique_ptr<CourierServer> StartBlockingServer(Gate& gate) {
  auto server = std::make_unique<CourierServer>();
  EXPECT_TRUE(server->RegisterMethod("Echo", EchoFirst).ok());
  EXPECT_TRUE(server
                  ->RegisterMethod("Block",
                                   [&gate](courier::CallArguments&)
                                       -> absl::StatusOr<courier::SerializedObject> {
                                     gate.Enter();
                                     return Int(7);
                                   })
                  .ok());
  EXPECT_TRUE(server->Start("127.0.0.1:0").ok());
  return server;
}

std::shared_ptr<CourierChannel> ChannelTo(const std::string& target, bool in_process,
                                          std::string secret = "") {
  CourierChannelOptions options;
  options.in_process = in_process;
  options.local_socket = false;  // a socket is TCP's, which ConnectionsOnPort counts
  options.secret = std::move(secret);
  return CourierChannel::Create(target, std::move(options));
}

// Fails fast when the server is gone, instead of waiting for one until the deadline.
CallOptions NoWait() {
  CallOptions options = Timeout();
  options.wait_for_ready = false;
  return options;
}

std::string Loopback(const CourierServer& server) {
  return "127.0.0.1:" + std::to_string(server.port());
}

TEST(InProcessCallTest, ACallToAServerOfThisProcessOpensNoSocket) {
  std::unique_ptr<CourierServer> server = StartServer("127.0.0.1");
  std::shared_ptr<CourierChannel> in_process = ChannelTo(Loopback(*server), true);
  for (int i = 0; i < 10; ++i) {
    absl::StatusOr<courier::SerializedObject> reply =
        in_process->Call("Echo", Args({Int(i)}), Timeout());
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(reply->int_value(), i);
  }
  EXPECT_EQ(ConnectionsOnPort(server->port()), 0);

  // The same call through a socket: the count sees it, so the zero above means something.
  std::shared_ptr<CourierChannel> by_socket = ChannelTo(Loopback(*server), false);
  ASSERT_TRUE(by_socket->Call("Echo", Args({Int(1)}), Timeout()).ok());
  EXPECT_EQ(ConnectionsOnPort(server->port()), 2);
}

TEST(InProcessCallTest, LocalhostAndThisMachinesAddressesReachAServerBoundToAll) {
  std::unique_ptr<CourierServer> server = StartServer("0.0.0.0");
  const std::string port = std::to_string(server->port());
  for (const std::string& target : {"localhost:" + port, "127.0.0.1:" + port}) {
    std::shared_ptr<CourierChannel> channel = ChannelTo(target, true);
    absl::StatusOr<courier::SerializedObject> reply =
        channel->Call("Echo", Args({Int(3)}), Timeout());
    ASSERT_TRUE(reply.ok()) << target << ": " << reply.status();
  }
  EXPECT_EQ(ConnectionsOnPort(server->port()), 0);
}

TEST(InProcessCallTest, OnlyTargetsThatASocketWouldTakeToTheServerAreServedInProcess) {
  std::unique_ptr<CourierServer> server = StartServer("127.0.0.1");
  const std::string port = std::to_string(server->port());
  grpc::ChannelArguments arguments;
  InProcessServers& servers = InProcessServers::Get();
  EXPECT_NE(servers.ChannelTo("127.0.0.1:" + port, arguments).channel, nullptr);
  EXPECT_NE(servers.ChannelTo("localhost:" + port, arguments).channel, nullptr);
  // Another machine's address with the same port (TEST-NET-1, never local), another
  // port, and the IPv6 loopback, which a server bound to 127.0.0.1 does not listen on.
  EXPECT_EQ(servers.ChannelTo("192.0.2.1:" + port, arguments).channel, nullptr);
  EXPECT_EQ(servers.ChannelTo("127.0.0.1:" + std::to_string(server->port() + 1), arguments).channel,
            nullptr);
  EXPECT_EQ(servers.ChannelTo("[::1]:" + port, arguments).channel, nullptr);
  EXPECT_EQ(servers.ChannelTo("not an address", arguments).channel, nullptr);
  server->Shutdown();
  EXPECT_EQ(servers.ChannelTo("127.0.0.1:" + port, arguments).channel, nullptr);
}

TEST(InProcessCallTest, AServerLearnsOfEachChannelMadeToItInProcess) {
  // A server of its own, to count: CourierServer's hook hands its inline calls' queue over
  // (HandlerExecutor::CallsHandOverTheQueue).
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  std::unique_ptr<grpc::ServerCompletionQueue> queue = builder.AddCompletionQueue();
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  std::atomic<int> channels{0};
  InProcessServers& servers = InProcessServers::Get();
  servers.Add("127.0.0.1:0", port, server.get(), [&channels] { ++channels; });
  grpc::ChannelArguments arguments;
  EXPECT_NE(servers.ChannelTo("127.0.0.1:" + std::to_string(port), arguments).channel, nullptr);
  EXPECT_EQ(channels.load(), 1);
  // A target that reaches another server, or none, tells this one nothing.
  EXPECT_EQ(servers.ChannelTo("127.0.0.1:" + std::to_string(port + 1), arguments).channel,
            nullptr);
  EXPECT_EQ(channels.load(), 1);
  servers.Remove(server.get(), absl::Now());
  EXPECT_EQ(servers.ChannelTo("127.0.0.1:" + std::to_string(port), arguments).channel, nullptr);
  EXPECT_EQ(channels.load(), 1);
  server->Shutdown();
  queue->Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (queue->Next(&tag, &ok)) {
  }
}

TEST(InProcessCallTest, TheSecretIsStillRequired) {
  std::unique_ptr<CourierServer> server = StartServer("127.0.0.1", kSecret);
  absl::StatusOr<courier::SerializedObject> without =
      ChannelTo(Loopback(*server), true)->Call("Echo", Args({Int(1)}), Timeout());
  EXPECT_EQ(without.status().code(), absl::StatusCode::kUnauthenticated) << without.status();
  absl::StatusOr<courier::SerializedObject> with =
      ChannelTo(Loopback(*server), true, kSecret)->Call("Echo", Args({Int(1)}), Timeout());
  EXPECT_TRUE(with.ok()) << with.status();
  EXPECT_EQ(ConnectionsOnPort(server->port()), 0);
}

TEST(InProcessCallTest, DeadlinesAndMessageLimitsHold) {
  Gate gate;
  std::unique_ptr<CourierServer> server = StartBlockingServer(gate);
  std::shared_ptr<CourierChannel> channel = ChannelTo(Loopback(*server), true);
  absl::StatusOr<courier::SerializedObject> late =
      channel->Call("Block", Args({}), Timeout(absl::Milliseconds(200)));
  EXPECT_EQ(late.status().code(), absl::StatusCode::kDeadlineExceeded) << late.status();
  gate.Release();

  CourierChannelOptions small;
  small.in_process = true;
  small.max_receive_message_bytes = 1000;
  std::shared_ptr<CourierChannel> limited = CourierChannel::Create(Loopback(*server), small);
  courier::SerializedObject big;
  Encode(PatternedTensor(64 * 1024, 1), &big);
  absl::StatusOr<courier::SerializedObject> refused =
      limited->Call("Echo", Args({big}), Timeout());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted) << refused.status();
  EXPECT_EQ(ConnectionsOnPort(server->port()), 0);
}

TEST(InProcessCallTest, LargeTensorsArriveIntact) {
  std::unique_ptr<CourierServer> server = StartServer("127.0.0.1");
  std::shared_ptr<CourierChannel> channel = ChannelTo(Loopback(*server), true);
  const Tensor sent = PatternedTensor(8 << 20, 5);
  courier::SerializedObject argument;
  Encode(sent, &argument);
  absl::StatusOr<courier::SerializedObject> reply =
      channel->Call("Echo", Args({argument}), Timeout());
  ASSERT_TRUE(reply.ok()) << reply.status();
  absl::StatusOr<Tensor> received = DecodeAs<Tensor>(*reply);
  ASSERT_TRUE(received.ok()) << received.status();
  EXPECT_TRUE(received->bytes() == sent.bytes());
}

// A client that keeps one call in flight by starting the next from the last one's
// continuation, to a method run inline: with no socket between them, every step of a call
// can complete on the thread that started it. 20 000 calls in a row must neither nest
// (the stack would overflow) nor stall.
TEST(InProcessCallTest, ChainedCallsToAnInlineMethodNeitherNestNorStall) {
  CourierMethodOptions run_inline;
  run_inline.run_inline = true;
  std::unique_ptr<CourierServer> server = StartServer("127.0.0.1", "", {}, run_inline);
  std::shared_ptr<CourierChannel> channel = ChannelTo(Loopback(*server), true);

  constexpr int kCalls = 20'000;
  std::atomic<int> answered{0};
  std::atomic<int> failed{0};
  Event done;
  std::function<void(int)> next = [&](int i) {
    channel->CallFuture("Echo", Args({Int(i)}), Timeout())
        .OnReady([&, i](absl::StatusOr<courier::SerializedObject> reply) {
          if (!reply.ok() || reply->int_value() != i) failed.fetch_add(1);
          if (answered.fetch_add(1) + 1 == kCalls) {
            done.Notify();
          } else {
            next(i + 1);
          }
        });
  };
  next(0);
  ASSERT_TRUE(done.WaitFor(absl::Minutes(5))) << answered.load() << " answered";
  EXPECT_EQ(failed.load(), 0);
}

TEST(InProcessCallTest, CallsFailOnceTheServerStopsAndAfterItIsGone) {
  Gate gate;
  std::unique_ptr<CourierServer> server = StartBlockingServer(gate);
  std::shared_ptr<CourierChannel> channel = ChannelTo(Loopback(*server), true);
  ASSERT_TRUE(channel->Call("Echo", Args({Int(1)}), Timeout()).ok());

  // A call waiting for a handler that runs when the server stops: cancelled at the
  // shutdown's deadline, as over TCP.
  Future<courier::SerializedObject> waiting = channel->CallFuture("Block", Args({}), Timeout());
  ASSERT_TRUE(gate.AwaitEntered(1));
  std::thread stopper([&] { server->Shutdown(absl::Now() + absl::Milliseconds(100)); });
  absl::StatusOr<courier::SerializedObject> cut = waiting.TakeResult();
  gate.Release();
  stopper.join();
  EXPECT_FALSE(cut.ok());

  // Later calls go through a socket, and meet what they would have met there all along.
  absl::StatusOr<courier::SerializedObject> after_stop =
      channel->Call("Echo", Args({Int(2)}), NoWait());
  EXPECT_EQ(after_stop.status().code(), absl::StatusCode::kUnavailable) << after_stop.status();
  EXPECT_EQ(channel->CallFuture("Echo", Args({Int(2)}), NoWait()).TakeResult().status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(channel->ListMethods(NoWait()).status().code(), absl::StatusCode::kUnavailable);
  server.reset();
  absl::StatusOr<courier::SerializedObject> after_gone =
      channel->Call("Echo", Args({Int(3)}), NoWait());
  EXPECT_EQ(after_gone.status().code(), absl::StatusCode::kUnavailable) << after_gone.status();
}

// A caller that outlives its server in process reaches the next server at that address,
// as a caller on a socket would: a node's clients are not tied to one server object.
TEST(InProcessCallTest, ACallAfterTheServerStoppedReachesANewServerAtTheAddress) {
  std::unique_ptr<CourierServer> first = StartServer("127.0.0.1");
  const std::string address = Loopback(*first);
  std::shared_ptr<CourierChannel> channel = ChannelTo(address, true);
  ASSERT_TRUE(channel->Call("Echo", Args({Int(1)}), Timeout()).ok());
  first.reset();

  CourierServer second;
  ASSERT_TRUE(second.RegisterMethod("Echo", EchoFirst).ok());
  ASSERT_TRUE(second.Start(address).ok());
  absl::StatusOr<courier::SerializedObject> reply =
      channel->Call("Echo", Args({Int(2)}), Timeout());
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->int_value(), 2);
}

// A synchronous call made from a future's continuation waits on the thread that completed
// the future, a thread of gRPC's or of the server's. In process no thread polls a socket
// for its reply: the server's thread that sends the reply delivers it, whether the method
// runs on a handler thread or inline. 64 at once must all complete.
TEST(InProcessCallTest, SynchronousCallsFromManyFutureContinuationsComplete) {
  for (const bool run_inline : {false, true}) {
    SCOPED_TRACE(run_inline ? "inline method" : "method on handler threads");
    constexpr int kCalls = 64;
    CourierMethodOptions method_options;
    method_options.run_inline = run_inline;
    std::unique_ptr<CourierServer> server = StartServer("127.0.0.1", "", {}, method_options);
    std::shared_ptr<CourierChannel> channel = ChannelTo(Loopback(*server), true);

    std::vector<absl::StatusOr<courier::SerializedObject>> second(
        kCalls, absl::UnknownError("the continuation did not run"));
    std::vector<std::unique_ptr<Event>> finished;
    for (int i = 0; i < kCalls; ++i) finished.push_back(std::make_unique<Event>());
    for (int i = 0; i < kCalls; ++i) {
      channel->CallFuture("Echo", Args({Int(i)}), Timeout())
          .OnReady([&, i](absl::StatusOr<courier::SerializedObject> first) {
            second[i] = first.ok() ? channel->Call("Echo", Args({Int(first->int_value() + 1000)}),
                                                   Timeout())
                                   : first.status();
            finished[i]->Notify();
          });
    }
    for (int i = 0; i < kCalls; ++i) {
      ASSERT_TRUE(finished[i]->WaitFor(lp::testing::kLong)) << "continuation " << i;
      ASSERT_TRUE(second[i].ok()) << "call " << i << ": " << second[i].status();
      EXPECT_EQ(second[i]->int_value(), i + 1000);
    }
    EXPECT_EQ(ConnectionsOnPort(server->port()), 0);
  }
}

// A server that stops gives the calls in flight its shutdown's grace, whether they came
// through a socket or in process (where gRPC's own shutdown would cut them at once).
TEST(InProcessCallTest, ACallInFlightWhenTheServerStopsGetsTheGrace) {
  for (const bool in_process : {false, true}) {
    SCOPED_TRACE(in_process ? "in process" : "through a socket");
    Gate gate;
    std::unique_ptr<CourierServer> server = StartBlockingServer(gate);
    std::shared_ptr<CourierChannel> channel = ChannelTo(Loopback(*server), in_process);
    Future<courier::SerializedObject> waiting = channel->CallFuture("Block", Args({}), Timeout());
    ASSERT_TRUE(gate.AwaitEntered(1));
    std::thread stopper([&] { server->Shutdown(absl::Now() + lp::testing::kLong); });
    // The shutdown has begun once the server is no longer offered in process (its first
    // step); through a socket, once a new call is refused.
    std::shared_ptr<CourierChannel> probe = ChannelTo(Loopback(*server), false);
    auto shutting_down = [&] {
      return in_process
                 ? InProcessServers::Get().ChannelTo(Loopback(*server), {}).channel == nullptr
                 : !probe->Call("Echo", Args({Int(1)}), NoWait()).ok();
    };
    while (!shutting_down()) absl::SleepFor(absl::Milliseconds(1));
    EXPECT_FALSE(waiting.IsReady());
    gate.Release();
    absl::StatusOr<courier::SerializedObject> reply = waiting.TakeResult();
    stopper.join();
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(reply->int_value(), 7);
  }
}

}  // namespace
}  // namespace lp::rpc
