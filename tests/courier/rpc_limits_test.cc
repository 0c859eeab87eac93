// Limits of one Courier call, over real sockets (127.0.0.1, port 0): messages over the
// size limits, hostile nesting, malformed bytes, oversized echoes, invalid UTF-8, handler
// threads under 2000 concurrent calls. Each refusal fails its own call, with a message
// that says what was wrong, and the server answers the next call.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <set>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lp/courier_channel.h"
#include "src/courier/rpc/message_limits.h"
#include "lp/courier_server.h"
#include "lp/event.h"
#include "tests/courier/rpc_test_util.h"
#include "tests/support/listening_ports.h"
#include "tests/support/thread_count.h"

namespace lp {
namespace {

using ::lp::testing::Args;
using ::lp::testing::EchoFirst;
using ::lp::testing::Int;
using ::lp::testing::kLong;
using ::lp::testing::ThreadCount;
using ::lp::testing::Timeout;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kMiB = 1 << 20;

courier::SerializedObject Bytes(size_t size) {
  courier::SerializedObject object;
  object.set_string_value(std::string(size, 'x'));
  return object;
}

// `inner` inside `depth` lists.
courier::SerializedObject Nested(int depth, courier::SerializedObject inner = Int(1)) {
  for (int i = 0; i < depth; ++i) {
    courier::SerializedObject list;
    *list.mutable_list_value()->add_items() = std::move(inner);
    inner = std::move(list);
  }
  return inner;
}

class LimitsTest : public ::testing::Test {
 protected:
  void StartServer(CourierServerOptions options = {}) {
    server_ = std::make_unique<CourierServer>(options);
    ASSERT_TRUE(server_->RegisterMethod("Echo", EchoFirst).ok());
    // Returns a string of arg 1 bytes.
    ASSERT_TRUE(server_
                    ->RegisterMethod("Bytes",
                                     [](courier::CallArguments& args)
                                         -> absl::StatusOr<courier::SerializedObject> {
                                       return Bytes(static_cast<size_t>(args.args(0).int_value()));
                                     })
                    .ok());
    ASSERT_TRUE(server_
                    ->RegisterMethod("BadUnicode",
                                     [](courier::CallArguments&)
                                         -> absl::StatusOr<courier::SerializedObject> {
                                       courier::SerializedObject text;
                                       text.set_unicode_value("ok \xff\xfe");
                                       return Nested(2, text);
                                     })
                    .ok());
    ASSERT_TRUE(server_
                    ->RegisterMethod("Block",
                                     [this](courier::CallArguments& args)
                                         -> absl::StatusOr<courier::SerializedObject> {
                                       ++blocked_;
                                       blocked_changed_();
                                       release_.WaitFor(kLong);
                                       return EchoFirst(args);
                                     })
                    .ok());
    absl::StatusOr<int> port = server_->Start("127.0.0.1:0");
    ASSERT_TRUE(port.ok()) << port.status();
    target_ = absl::StrCat("127.0.0.1:", *port);
    channel_ = CourierChannel::Create(target_);
  }

  void TearDown() override {
    release_.Notify();
    server_.reset();
  }

  void ExpectEchoWorks() {
    absl::StatusOr<courier::SerializedObject> result =
        channel_->Call("Echo", Args({Int(7)}), Timeout());
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->int_value(), 7);
  }

  grpc::Status RawCall(const std::string& request) {
    return ::lp::testing::RawCall(target_, request);
  }

  // Calls Echo with a 1 MiB argument, compressed with gzip; the reply's size in `echoed`.
  grpc::Status GzipEcho(size_t& echoed) {
    courier::CallRequest request;
    request.set_method("Echo");
    *request.mutable_arguments()->add_args() = Bytes(kMiB);  // compresses well
    grpc::ByteBuffer response;
    grpc::Slice slice(request.SerializeAsString());
    grpc::Status status = ::lp::testing::RawCall(target_, grpc::ByteBuffer(&slice, 1),
                                                 GRPC_COMPRESS_GZIP, kLong, &response);
    courier::CallResponse reply;
    std::vector<grpc::Slice> slices;
    if (status.ok() && response.Dump(&slices).ok()) {
      std::string bytes;
      for (const grpc::Slice& part : slices) bytes.append(reinterpret_cast<const char*>(part.begin()), part.size());
      reply.ParseFromString(bytes);
    }
    echoed = reply.result().result().string_value().size();
    return status;
  }

  std::atomic<int> blocked_{0};  // handlers of Block that started
  std::function<void()> blocked_changed_ = [] {};
  Event release_;
  std::unique_ptr<CourierServer> server_;
  std::string target_;
  std::shared_ptr<CourierChannel> channel_;
};

TEST_F(LimitsTest, ReplyOverTheSendLimitFailsTheCallNotTheServer) {
  StartServer({.max_send_message_bytes = kMiB});
  absl::StatusOr<courier::SerializedObject> result =
      channel_->Call("Bytes", Args({Int(2 * kMiB)}), Timeout());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(result.status().message(), HasSubstr("Courier method 'Bytes': the reply is 2097"));
  EXPECT_THAT(result.status().message(), HasSubstr("max_send_message_bytes, 1048576 bytes"));
  ExpectEchoWorks();
  // Just under the limit passes.
  ASSERT_TRUE(channel_->Call("Bytes", Args({Int(kMiB - 64)}), Timeout()).ok());
}

TEST_F(LimitsTest, RequestOverTheSendLimitFailsOnTheCallerForCallAndAsync) {
  StartServer();
  channel_ = CourierChannel::Create(target_, {.max_send_message_bytes = kMiB});
  absl::StatusOr<courier::SerializedObject> result =
      channel_->Call("Echo", Args({Bytes(2 * kMiB)}), Timeout());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(result.status().message(), HasSubstr("Courier method 'Echo': the request is 2097"));
  absl::StatusOr<courier::SerializedObject> async =
      channel_->CallFuture("Echo", Args({Bytes(2 * kMiB)}), Timeout()).TakeResult();
  EXPECT_EQ(async.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(async.status().message(), HasSubstr("the request is"));
  ExpectEchoWorks();
}

TEST_F(LimitsTest, RequestOverTheReceiveLimitIsRefusedWithAMessage) {
  StartServer({.max_receive_message_bytes = kMiB});
  absl::StatusOr<courier::SerializedObject> result =
      channel_->Call("Echo", Args({Bytes(2 * kMiB)}), Timeout());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(result.status().message(), HasSubstr("larger than max"));
  ExpectEchoWorks();
}

TEST_F(LimitsTest, CompressedRequestsAreRefusedByDefault) {
  StartServer();
  size_t echoed = 0;
  grpc::Status status = GzipEcho(echoed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("gzip"));
  ExpectEchoWorks();
}

TEST_F(LimitsTest, CompressedRequestsPassWhenAccepted) {
  StartServer({.accept_compressed_requests = true});
  size_t echoed = 0;
  grpc::Status status = GzipEcho(echoed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(echoed, static_cast<size_t>(kMiB));
}

TEST_F(LimitsTest, MalformedRequestBytesAreInvalidArgumentWithAMessage) {
  StartServer();
  // Field 31 with the invalid wire type 7, then junk.
  grpc::Status status = RawCall(std::string("\xff\xff\xff\xff\x0f\x07\x07\x07", 8));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("the request (8 bytes) is not a courier.CallRequest"));
  // A length prefix that claims more bytes than the request has.
  status = RawCall(std::string("\x0a\xff\xff\xff\x07xyz", 8));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("is malformed"));
  ExpectEchoWorks();
}

TEST_F(LimitsTest, NestingPastTheLimitIsRefusedWithAMessageOnBothSides) {
  StartServer();
  // Deeper than protobuf parses at all: the server says so.
  courier::CallRequest request;
  request.set_method("Echo");
  *request.mutable_arguments()->add_args() = Nested(200);
  grpc::Status status = RawCall(request.SerializeAsString());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("arg 1 is not a valid courier.SerializedObject"));
  EXPECT_THAT(status.error_message(), HasSubstr("limit is 32"));
  // Parsed by protobuf, but over Courier's limit (50 deep used to be an empty INTERNAL; it
  // is now past protobuf's own limit, which counts the arguments and the argument too).
  for (int depth : {rpc::kMaxNestingDepth + 1, 45}) {
    *request.mutable_arguments()->mutable_args(0) = Nested(depth);
    status = RawCall(request.SerializeAsString());
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << depth;
    EXPECT_THAT(status.error_message(), HasSubstr("arg 1 \u2192 [0]"));
    EXPECT_THAT(status.error_message(), HasSubstr("nested more than 32 deep"));
  }
  // A CourierChannel refuses to send it at all.
  absl::StatusOr<courier::SerializedObject> result =
      channel_->Call("Echo", Args({Nested(rpc::kMaxNestingDepth + 1)}), Timeout());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("Courier method 'Echo': arg 1"));
  // At the limit, it goes both ways.
  result = channel_->Call("Echo", Args({Nested(rpc::kMaxNestingDepth)}), Timeout());
  ASSERT_TRUE(result.ok()) << result.status();
  ExpectEchoWorks();
}

TEST_F(LimitsTest, ErrorsEchoABoundedPrefixOfWhatTheCallerSent) {
  StartServer();
  const std::string long_name(8000, 'm');
  absl::StatusOr<courier::SerializedObject> result = channel_->Call(long_name, Args({}), Timeout());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(result.status().message(), HasSubstr("... (8000 bytes)"));
  EXPECT_LT(result.status().message().size(), 400u);

  courier::CallRequest request;
  request.set_method("Echo");
  for (int i = 0; i < 1000; ++i) {
    (*request.mutable_arguments()->mutable_kwargs())[absl::StrCat("keyword_", i)] = Int(i);
  }
  grpc::Status status = RawCall(request.SerializeAsString());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("and 990 more"));
  EXPECT_LT(status.error_message().size(), 1000u);
  ExpectEchoWorks();
}

// Protobuf logs a line for each string field with invalid UTF-8 it parses; the server
// reads the method name and keyword names as bytes, so a flood of them logs nothing.
TEST_F(LimitsTest, InvalidUtf8MethodNamesAreNotFoundAndLogNothing) {
  StartServer();
  courier::CallRequest request;
  request.set_method("Ech\xff");
  (*request.mutable_arguments()->mutable_kwargs())["k\xfe"] = Int(1);
  const std::string bytes = request.SerializePartialAsString();

  char path[] = "/tmp/lp_limits_stderr_XXXXXX";
  const int capture = mkstemp(path);
  ASSERT_GE(capture, 0);
  std::fflush(stderr);
  const int saved = dup(STDERR_FILENO);
  dup2(capture, STDERR_FILENO);
  std::vector<grpc::Status> statuses;
  for (int i = 0; i < 20; ++i) statuses.push_back(RawCall(bytes));
  std::fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  close(capture);
  std::ifstream file(path);
  const std::string logged((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::remove(path);

  for (const grpc::Status& status : statuses) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_THAT(status.error_message(), HasSubstr("No Courier method 'Ech\\xff'"));
  }
  EXPECT_THAT(logged, Not(HasSubstr("libprotobuf"))) << logged;
  EXPECT_THAT(logged, Not(HasSubstr("UTF-8"))) << logged;
  ExpectEchoWorks();
}

TEST_F(LimitsTest, InvalidUtf8UnicodeIsRefusedWhenEncoded) {
  StartServer();
  courier::SerializedObject text;
  text.set_unicode_value("caf\xe9");  // Latin-1, not UTF-8
  absl::StatusOr<courier::SerializedObject> result =
      channel_->Call("Echo", Args({Int(1), text}), Timeout());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("arg 2: lp::Unicode holds bytes that are not valid UTF-8"));
  // The server refuses to send such a result the same way.
  result = channel_->Call("BadUnicode", Args({}), Timeout());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(),
              HasSubstr("Courier method 'BadUnicode': the result \u2192 [0] \u2192 [0]: lp::Unicode"));
  ExpectEchoWorks();
}

// 2000 slow calls in flight at once, on a server with 8 handler threads: 8 handlers run,
// the other calls wait in the server's queue without a thread each, so the process's
// threads stay far below one per call; a call past max_concurrent_handlers is refused at
// once with a message; once released, every admitted call completes. Events, not sleeps:
// the refusal of call kCalls + 1 is what says that all kCalls are in the server.
TEST_F(LimitsTest, TwoThousandSlowCallsDoNotHoldAThreadEach) {
  constexpr int kCalls = 2000;
  constexpr int kThreads = 8;
  std::mutex mu;
  std::condition_variable changed;
  int refused = 0;    // guarded by mu
  int completed = 0;  // guarded by mu: answered with the value sent
  int others = 0;     // guarded by mu: calls that ended otherwise (none should)
  std::string refusal;  // guarded by mu
  blocked_changed_ = [&] {
    std::lock_guard<std::mutex> lock(mu);
    changed.notify_all();
  };
  const int baseline = ThreadCount();
  StartServer({.handler_threads = kThreads, .max_concurrent_handlers = kCalls});
  for (int i = 0; i < kCalls + 1; ++i) {
    channel_->CallAsync("Block", Args({Int(i)}), Timeout(),
                        [&, i](absl::StatusOr<courier::SerializedObject> result) {
                          std::lock_guard<std::mutex> lock(mu);
                          if (result.status().code() == absl::StatusCode::kResourceExhausted) {
                            ++refused;
                            refusal = std::string(result.status().message());
                          } else if (result.ok() && result->int_value() == i) {
                            ++completed;
                          } else {
                            ++others;
                          }
                          changed.notify_all();
                        });
  }
  // One call is refused once the other kCalls are admitted: running or queued.
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(changed.wait_for(lock, absl::ToChronoMilliseconds(kLong), [&] {
      return refused + others >= 1 && blocked_.load() >= kThreads;
    })) << refused << " refused, " << blocked_.load() << " blocked";
    EXPECT_EQ(refused, 1);
    EXPECT_EQ(others, 0);
    EXPECT_EQ(completed, 0);
    EXPECT_THAT(refusal, HasSubstr("max_concurrent_handlers"));
  }
  EXPECT_EQ(blocked_.load(), kThreads);  // the queued calls wait for a thread
  const int threads = ThreadCount() - baseline;
  // The handler threads, gRPC's own few (event engine, timers, callbacks of both sides):
  // nowhere near one per call.
  EXPECT_LT(threads, kThreads + 200) << threads << " threads for " << kCalls << " calls";
  std::printf("%d threads above the baseline of %d with %d calls in flight\n", threads, baseline,
              kCalls);
  release_.Notify();
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(changed.wait_for(lock, absl::ToChronoMilliseconds(kLong), [&] {
      return refused + completed + others >= kCalls + 1;
    })) << completed << " completed";
    EXPECT_EQ(completed, kCalls);
    EXPECT_EQ(others, 0);
  }
  EXPECT_EQ(blocked_.load(), kCalls);
  ExpectEchoWorks();
}

// gRPC's SO_REUSEPORT cloning used to bind port 0 a second time for the health-check
// service's completion queue: an unpublished port serving the same methods.
TEST(ServerSocketsTest, EachServerListensOnlyOnItsOwnPort) {
  const std::set<int> before = ::lp::testing::ListeningTcpPorts(getpid());
  for (const char* address : {"127.0.0.1:0", "[::]:0"}) {
    CourierServer server({.enable_health_check = true});
    ASSERT_TRUE(server.RegisterMethod("Echo", EchoFirst).ok());
    absl::StatusOr<int> port = server.Start(address);
    ASSERT_TRUE(port.ok()) << port.status();
    std::set<int> added;
    for (int listening : ::lp::testing::ListeningTcpPorts(getpid())) {
      if (!before.contains(listening)) added.insert(listening);
    }
    EXPECT_EQ(added, std::set<int>{*port}) << address;
  }
}

// Two servers whose handler calls the other server synchronously, back and forth, with
// far more calls in flight than either has handler threads: every handler waits for a
// reply that only a call queued behind it can produce. The servers start threads in place
// of the waiting ones, so every call completes long before its deadline (without them, all
// would end in DEADLINE_EXCEEDED: the hang this test guards against).
TEST(HandlerThreadsTest, NodesCallingEachOtherInACycleNeverRunOutOfThreads) {
  constexpr int kHandlerThreads = 2;
  constexpr int kChains = 24;
  constexpr int kHops = 6;
  struct Peer {
    std::unique_ptr<CourierServer> server;
    // To the other server, set once both listen. (Through a mutex: the calls that read it
    // reach the handler through gRPC, whose ordering ThreadSanitizer cannot see.)
    std::mutex mu;
    std::shared_ptr<CourierChannel> other;  // guarded by mu
    std::shared_ptr<CourierChannel> Other() {
      std::lock_guard<std::mutex> lock(mu);
      return other;
    }
    void SetOther(std::shared_ptr<CourierChannel> channel) {
      std::lock_guard<std::mutex> lock(mu);
      other = std::move(channel);
    }
  };
  Peer peers[2];
  for (Peer& peer : peers) {
    peer.server = std::make_unique<CourierServer>(CourierServerOptions{
        .handler_threads = kHandlerThreads, .max_concurrent_handlers = 0});
    ASSERT_TRUE(peer.server
                    ->RegisterMethod("Relay",
                                     [&peer](courier::CallArguments& args)
                                         -> absl::StatusOr<courier::SerializedObject> {
                                       const int64_t hops = args.args(0).int_value();
                                       if (hops == 0) return Int(0);
                                       absl::StatusOr<courier::SerializedObject> rest =
                                           peer.Other()->Call("Relay", Args({Int(hops - 1)}),
                                                            Timeout());
                                       if (!rest.ok()) return rest.status();
                                       return Int(rest->int_value() + 1);
                                     })
                    .ok());
  }
  std::string targets[2];
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<int> port = peers[i].server->Start("127.0.0.1:0");
    ASSERT_TRUE(port.ok()) << port.status();
    targets[i] = absl::StrCat("127.0.0.1:", *port);
  }
  peers[0].SetOther(CourierChannel::Create(targets[1]));
  peers[1].SetOther(CourierChannel::Create(targets[0]));

  std::shared_ptr<CourierChannel> client = CourierChannel::Create(targets[0]);
  std::mutex mu;
  std::condition_variable changed;
  std::vector<absl::StatusOr<courier::SerializedObject>> results;  // guarded by mu
  for (int i = 0; i < kChains; ++i) {
    client->CallAsync("Relay", Args({Int(kHops)}), Timeout(),
                      [&](absl::StatusOr<courier::SerializedObject> result) {
                        std::lock_guard<std::mutex> lock(mu);
                        results.push_back(std::move(result));
                        changed.notify_all();
                      });
  }
  std::unique_lock<std::mutex> lock(mu);
  // The calls' own deadline (kLong) ends every one of them; a little more for the replies.
  ASSERT_TRUE(changed.wait_for(lock, absl::ToChronoMilliseconds(kLong + absl::Seconds(30)),
                               [&] { return static_cast<int>(results.size()) == kChains; }));
  for (const auto& result : results) {
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->int_value(), kHops);
  }
}

// A handler may block without saying so (on a lock, or a condition of its own process, as
// here): the thread that took its call keeps the server's queue while it runs, so the
// calls behind it are served only because another thread takes the queue over from it.
// Each round's Release must reach the server while Wait blocks in its handler.
TEST(HandlerThreadsTest, CallsBehindAHandlerThatBlocksWithoutSayingSoAreServed) {
  // Declared before the server, whose threads (joined when it goes) use them.
  std::mutex mu;
  std::condition_variable released_changed;
  int released = 0;  // guarded by mu
  CourierServer server(CourierServerOptions{.handler_threads = 2});
  auto entered = std::make_shared<std::atomic<int>>(0);
  ASSERT_TRUE(server
                  .RegisterMethod("Wait",
                                  [&, entered](courier::CallArguments&)
                                      -> absl::StatusOr<courier::SerializedObject> {
                                    std::unique_lock<std::mutex> lock(mu);
                                    entered->fetch_add(1);
                                    released_changed.wait(lock, [&] { return released > 0; });
                                    --released;
                                    return Int(1);
                                  })
                  .ok());
  ASSERT_TRUE(server
                  .RegisterMethod("Release",
                                  [&](courier::CallArguments&)
                                      -> absl::StatusOr<courier::SerializedObject> {
                                    std::lock_guard<std::mutex> lock(mu);
                                    ++released;
                                    released_changed.notify_all();
                                    return Int(2);
                                  })
                  .ok());
  ASSERT_TRUE(server.RegisterMethod("Echo", EchoFirst).ok());
  absl::StatusOr<int> port = server.Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok()) << port.status();
  std::shared_ptr<CourierChannel> channel =
      CourierChannel::Create(absl::StrCat("127.0.0.1:", *port));
  // Calls that return at once: the server's threads settle, one of them watching.
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(channel->Call("Echo", Args({Int(i)}), Timeout()).ok());
  }
  for (int round = 1; round <= 3; ++round) {
    auto waited = std::make_shared<Event>();
    auto result = std::make_shared<absl::StatusOr<courier::SerializedObject>>();
    channel->CallAsync("Wait", Args({}), Timeout(),
                       [waited, result](absl::StatusOr<courier::SerializedObject> r) {
                         *result = std::move(r);
                         waited->Notify();
                       });
    const absl::Time deadline = absl::Now() + kLong;
    while (entered->load() < round && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(1));
    }
    ASSERT_EQ(entered->load(), round) << "Wait's handler never ran";
    absl::StatusOr<courier::SerializedObject> release =
        channel->Call("Release", Args({}), Timeout());
    ASSERT_TRUE(release.ok()) << "round " << round << ": " << release.status();
    ASSERT_TRUE(waited->WaitFor(kLong));
    ASSERT_TRUE(result->ok()) << result->status();
    EXPECT_EQ((*result)->int_value(), 1);
  }
}

}  // namespace
}  // namespace lp
