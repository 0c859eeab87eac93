// Inline methods (CourierMethodOptions::run_inline): served on gRPC's thread, without a
// handler thread; what the server does when such a handler waits, or shuts its server down;
// and PeekMethod, which tells an inline call from the others by its first bytes.
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lp/courier_channel.h"
#include "lp/courier_server.h"
#include "lp/event.h"
#include "lp/future.h"
#include "src/courier/rpc/call_request.h"
#include "src/courier/rpc/method_registry.h"
#include "tests/courier/echo_backend_process.h"
#include "tests/courier/rpc_test_util.h"

namespace lp {
namespace {

using ::lp::testing::Args;
using ::lp::testing::EchoFirst;
using ::lp::testing::Gate;
using ::lp::testing::Int;
using ::lp::testing::RawCall;
using ::lp::testing::kLong;
using ::lp::testing::Timeout;

std::shared_ptr<CourierChannel> Connect(CourierServer& server) {
  return CourierChannel::Create("127.0.0.1:" + std::to_string(server.port()));
}

// The property inline methods exist for: they need no handler thread. With the only one
// held by a blocked handler, an inline call still completes; handed off, it would wait
// behind the blocked one (and this test would fail with DEADLINE_EXCEEDED).
TEST(InlineMethodTest, RunsWhileEveryHandlerThreadIsBusy) {
  Gate gate;
  CourierServer server({.handler_threads = 1});
  ASSERT_TRUE(server
                  .RegisterMethod("Block",
                                  [&gate](courier::CallArguments& args)
                                      -> absl::StatusOr<courier::SerializedObject> {
                                    gate.Enter();
                                    return EchoFirst(args);
                                  })
                  .ok());
  ASSERT_TRUE(server.RegisterMethod("Echo", EchoFirst, {.run_inline = true}).ok());
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  std::shared_ptr<CourierChannel> channel = Connect(server);

  Future<courier::SerializedObject> blocked = channel->CallFuture("Block", Args({Int(1)}), Timeout());
  ASSERT_TRUE(gate.AwaitEntered(1));
  absl::StatusOr<courier::SerializedObject> echoed =
      channel->Call("Echo", Args({Int(7)}), Timeout(absl::Seconds(30)));
  ASSERT_TRUE(echoed.ok()) << echoed.status();
  EXPECT_EQ(echoed->int_value(), 7);
  EXPECT_FALSE(blocked.IsReady());  // the handler thread was busy all along

  gate.Release();
  absl::StatusOr<courier::SerializedObject> unblocked = blocked.TakeResult();
  ASSERT_TRUE(unblocked.ok()) << unblocked.status();
  EXPECT_EQ(unblocked->int_value(), 1);
}

// Errors of inline handlers reach the caller as those of any handler do.
TEST(InlineMethodTest, ErrorsAndExceptionsAreReportedAsForAnyHandler) {
  CourierServer server;
  ASSERT_TRUE(server
                  .RegisterMethod(
                      "Throw",
                      [](courier::CallArguments&) -> absl::StatusOr<courier::SerializedObject> {
                        throw std::runtime_error("inline boom");
                      },
                      {.run_inline = true})
                  .ok());
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  std::shared_ptr<CourierChannel> channel = Connect(server);
  absl::StatusOr<courier::SerializedObject> result = channel->Call("Throw", Args({}), Timeout());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnknown);
  EXPECT_NE(result.status().message().find("inline boom"), std::string::npos);
}

// A "Stop" method may run inline: the shutdown it asks for cannot wait on the gRPC thread
// for the very call that asked (that would hang the server for good).
TEST(InlineMethodTest, ShutdownFromAnInlineHandler) {
  auto server = std::make_unique<CourierServer>();
  CourierServer* self = server.get();
  ASSERT_TRUE(server
                  ->RegisterMethod(
                      "Stop",
                      [self](courier::CallArguments&)
                          -> absl::StatusOr<courier::SerializedObject> {
                        self->Shutdown(absl::Now() + kLong);
                        return Int(1);
                      },
                      {.run_inline = true})
                  .ok());
  ASSERT_TRUE(server->Start("127.0.0.1:0").ok());
  std::shared_ptr<CourierChannel> channel = Connect(*server);
  absl::StatusOr<courier::SerializedObject> result = channel->Call("Stop", Args({}), Timeout());
  ASSERT_TRUE(result.ok()) << result.status();
  server->Shutdown();  // waits for the shutdown the handler started
  CallOptions no_wait = Timeout(absl::Seconds(10));
  no_wait.wait_for_ready = false;
  EXPECT_FALSE(channel->Call("Stop", Args({}), no_wait).ok());
  server.reset();
}

// Serves "Forward", an inline method that calls "Echo" through `to_backend` and waits:
// what an inline method must not do, and what these tests check the server survives.
bool StartForwarding(CourierServer& front, std::shared_ptr<CourierChannel>& to_backend) {
  return front
             .RegisterMethod(
                 "Forward",
                 [&to_backend](courier::CallArguments& args)
                     -> absl::StatusOr<courier::SerializedObject> {
                   return to_backend->Call("Echo", std::move(args), Timeout());
                 },
                 {.run_inline = true})
             .ok() &&
         front.Start("127.0.0.1:0").ok();
}

// An inline handler that waits on another server stalls gRPC's thread: the server says so
// on stderr, once per method, naming it and what to do.
TEST(InlineMethodTest, WaitingOnAnotherServerIsReportedOncePerMethod) {
  CourierServer backend;
  ASSERT_TRUE(backend.RegisterMethod("Echo", EchoFirst).ok());
  ASSERT_TRUE(backend.Start("127.0.0.1:0").ok());
  std::shared_ptr<CourierChannel> to_backend = Connect(backend);

  CourierServer front;
  ASSERT_TRUE(StartForwarding(front, to_backend));
  std::shared_ptr<CourierChannel> channel = Connect(front);

  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<courier::SerializedObject> result =
        channel->Call("Forward", Args({Int(i)}), Timeout());
    ASSERT_TRUE(result.ok()) << result.status();  // it works, it is only slow for others
    EXPECT_EQ(result->int_value(), i);
  }
  const std::string said = ::testing::internal::GetCapturedStderr();
  const std::string warning = "Courier method 'Forward' of this Courier server runs inline";
  const size_t first = said.find(warning);
  ASSERT_NE(first, std::string::npos) << said;
  EXPECT_EQ(said.find(warning, first + 1), std::string::npos) << said;
  EXPECT_NE(said.find("Remove run_inline"), std::string::npos) << said;
}


// More inline handlers waiting at once on another process than gRPC has callback threads
// here: each waits for a reply that only a gRPC thread of this process can receive, so
// they must not wait for one (a synchronous call polls a queue of its own: see
// CourierChannel::Call). Waited for through the callback API, this deadlocks. (Within one
// process no such promise holds: the server side of the other call needs gRPC's threads
// too. Hence the warning, and "never blocks".)
TEST(InlineMethodTest, ManyInlineHandlersWaitingOnAnotherProcessStillComplete) {
  constexpr int kCalls = 64;
  ::lp::testing::EchoBackendProcess backend;
  std::shared_ptr<CourierChannel>& to_backend = backend.channel();
  ASSERT_NE(to_backend, nullptr) << backend.output();

  CourierServer front;
  ASSERT_TRUE(StartForwarding(front, to_backend));
  std::shared_ptr<CourierChannel> channel = Connect(front);

  ::testing::internal::CaptureStderr();  // the warning, said once
  std::vector<Future<courier::SerializedObject>> calls;
  for (int i = 0; i < kCalls; ++i) {
    calls.push_back(channel->CallFuture("Forward", Args({Int(i)}), Timeout()));
  }
  for (int i = 0; i < kCalls; ++i) {
    absl::StatusOr<courier::SerializedObject> result = calls[i].TakeResult();
    EXPECT_TRUE(result.ok()) << "call " << i << ": " << result.status();
    if (result.ok()) {
      EXPECT_EQ(result->int_value(), i);
    }
  }
  ::testing::internal::GetCapturedStderr();
}

// The other way user code runs on gRPC's callback threads: a Future continuation
// (OnReady). Synchronous calls made from many of them at once must complete too, so they
// must not wait for a gRPC thread to deliver their reply: those may all be waiting. (With
// CourierChannel::Call waiting on the callback API there, continuation 0 never ended.)
TEST(InlineMethodTest, SynchronousCallsFromManyFutureContinuationsStillComplete) {
  constexpr int kCalls = 64;
  ::lp::testing::EchoBackendProcess backend;
  std::shared_ptr<CourierChannel>& to_backend = backend.channel();
  ASSERT_NE(to_backend, nullptr) << backend.output();

  std::vector<absl::StatusOr<courier::SerializedObject>> second(
      kCalls, absl::UnknownError("the continuation did not run"));
  std::vector<std::unique_ptr<Event>> finished;
  for (int i = 0; i < kCalls; ++i) finished.push_back(std::make_unique<Event>());
  for (int i = 0; i < kCalls; ++i) {
    to_backend->CallFuture("Echo", Args({Int(i)}), Timeout())
        .OnReady([&, i](absl::StatusOr<courier::SerializedObject> first) {
          second[i] = first.ok() ? to_backend->Call("Echo", Args({Int(first->int_value() + 1000)}),
                                                    Timeout())
                                 : first.status();
          finished[i]->Notify();
        });
  }
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_TRUE(finished[i]->WaitFor(kLong)) << "continuation " << i << " never ended";
    EXPECT_TRUE(second[i].ok()) << "call " << i << ": " << second[i].status();
    if (second[i].ok()) {
      EXPECT_EQ(second[i]->int_value(), i + 1000);
    }
  }
}

// Which calls are served on gRPC's thread: inline methods whatever their size; deferred
// ones registered with run_inline (which only take the call there) up to
// kDeferredOnArrivalMaxBytes, so that a large argument is parsed on a handler thread; a
// deferred method registered without it (its take step may block) never.
TEST(InlineMethodTest, DeferredCallsAreTakenOnArrivalWhenAskedAndUpToALimit) {
  auto deferred = [] {
    return DeferredCourierHandler([](courier::CallArguments&, courier::SerializedObject*,
                                     CallDone&) { return absl::OkStatus(); });
  };
  rpc::MethodRegistry registry;
  ASSERT_TRUE(registry.Add("Plain", ReturningHandler(EchoFirst)).ok());
  ASSERT_TRUE(registry.Add("Deferred", deferred()).ok());
  ASSERT_TRUE(registry.Add("Batched", deferred(), {.run_inline = true}).ok());
  ASSERT_TRUE(registry.Add("Inline", ReturningHandler(EchoFirst), {.run_inline = true}).ok());
  constexpr std::size_t kLimit = rpc::MethodRegistry::kDeferredOnArrivalMaxBytes;
  EXPECT_TRUE(registry.ServedOnArrival("Batched", 10));
  EXPECT_TRUE(registry.ServedOnArrival("Batched", kLimit));
  EXPECT_FALSE(registry.ServedOnArrival("Batched", kLimit + 1));
  EXPECT_FALSE(registry.ServedOnArrival("Deferred", 10));
  EXPECT_TRUE(registry.ServedOnArrival("Inline", 100 * kLimit));
  EXPECT_FALSE(registry.ServedOnArrival("Plain", 10));
  EXPECT_FALSE(registry.ServedOnArrival("Unknown", 10));
  // A deferred method only takes its calls there; an inline one runs them.
  using OnArrival = rpc::MethodRegistry::OnArrival;
  EXPECT_EQ(registry.HowServedOnArrival("Batched", 10), OnArrival::kTake);
  EXPECT_EQ(registry.HowServedOnArrival("Inline", 10), OnArrival::kRun);
  // A call whose handler may block has its method's record of whether it may keep the
  // server's queue (HoldRecord), one per method; a call served on arrival none.
  auto size = [] { return std::size_t{10}; };
  rpc::HoldRecord* plain = registry.ArrivalOf("Plain", size).hold;
  EXPECT_NE(plain, nullptr);
  EXPECT_EQ(registry.ArrivalOf("Plain", size).hold, plain);
  EXPECT_NE(registry.ArrivalOf("Deferred", size).hold, nullptr);
  EXPECT_NE(registry.ArrivalOf("Deferred", size).hold, plain);
  EXPECT_NE(registry.ArrivalOf("Batched", [] { return kLimit + 1; }).hold, nullptr);
  EXPECT_EQ(registry.ArrivalOf("Batched", size).hold, nullptr);
  EXPECT_EQ(registry.ArrivalOf("Inline", size).hold, nullptr);
  EXPECT_EQ(registry.ArrivalOf("Unknown", size).hold, nullptr);
}

// A call is taken as inline by the method its request names first (PeekMethod), while
// protobuf's rules make the last name the method. A request naming an inline method and
// then a plain one must not run the plain one outside the bound of handler threads: it is
// refused, saying why, and the plain method does not run.
TEST(InlineMethodTest, ARequestThatNamesTwoMethodsIsRefused) {
  std::atomic<int> plain_calls{0};
  CourierServer server;
  ASSERT_TRUE(server
                  .RegisterMethod("Plain",
                                  [&plain_calls](courier::CallArguments& args)
                                      -> absl::StatusOr<courier::SerializedObject> {
                                    plain_calls.fetch_add(1);
                                    return EchoFirst(args);
                                  })
                  .ok());
  ASSERT_TRUE(server.RegisterMethod("Echo", EchoFirst, {.run_inline = true}).ok());
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  const std::string target = "127.0.0.1:" + std::to_string(server.port());

  courier::CallRequest inline_first;
  inline_first.set_method("Echo");
  *inline_first.mutable_arguments() = Args({Int(1)});
  courier::CallRequest plain_last;
  plain_last.set_method("Plain");
  const grpc::Status refused =
      RawCall(target, inline_first.SerializeAsString() + plain_last.SerializeAsString());
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << refused.error_message();
  EXPECT_NE(refused.error_message().find("a call of 'Echo', the method it names first, which "
                                         "runs on arrival, but then names 'Plain'"),
            std::string::npos)
      << refused.error_message();
  EXPECT_EQ(plain_calls.load(), 0);

  // Named twice the same way, or first as a plain method, it is served as any call.
  EXPECT_TRUE(RawCall(target, inline_first.SerializeAsString() + inline_first.SerializeAsString())
                  .ok());
  courier::CallRequest plain_first = plain_last;
  *plain_first.mutable_arguments() = Args({Int(2)});
  EXPECT_TRUE(RawCall(target, plain_first.SerializeAsString() + inline_first.SerializeAsString())
                  .ok());
  EXPECT_EQ(plain_calls.load(), 0);  // the last name, Echo, was run
}

// ---------------------------------------------------------------------------------------
// PeekMethod

std::optional<std::string> Peek(const std::string& bytes) {
  google::protobuf::io::ArrayInputStream input(bytes.data(), static_cast<int>(bytes.size()));
  return rpc::PeekMethod(input);
}

TEST(PeekMethodTest, ReadsTheMethodOfARequestAsClientsWriteIt) {
  courier::CallRequest request;
  request.set_method("Echo");
  *request.mutable_arguments() = Args({Int(1), Int(2)});
  EXPECT_EQ(Peek(request.SerializeAsString()), "Echo");
}

TEST(PeekMethodTest, GivesUpOnAnythingElse) {
  EXPECT_EQ(Peek(""), std::nullopt);
  EXPECT_EQ(Peek("\xff\xff\xff\xff\xff garbage"), std::nullopt);
  // Arguments first: valid protobuf, but not how clients write it; served as any call.
  courier::CallRequest arguments_only;
  *arguments_only.mutable_arguments() = Args({Int(1)});
  courier::CallRequest method_only;
  method_only.set_method("Echo");
  EXPECT_EQ(Peek(arguments_only.SerializeAsString() + method_only.SerializeAsString()),
            std::nullopt);
  // A name longer than any method is not read.
  courier::CallRequest long_name;
  long_name.set_method(std::string(rpc::kMaxPeekedMethodBytes + 1, 'x'));
  EXPECT_EQ(Peek(long_name.SerializeAsString()), std::nullopt);
  // A length that runs past the end.
  EXPECT_EQ(Peek(std::string("\x0a\x10" "Echo", 6)), std::nullopt);
}

}  // namespace
}  // namespace lp
