// Large tensor arguments and results between processes of one host go through shared
// memory (src/courier/rpc/same_host.h, shared_tensor_memory.h), over real sockets to a
// server in another process (echo_backend) or in this one. What crossed gRPC is read from
// the client's own metrics (lp_courier_made_sent_bytes_total and
// lp_courier_made_received_bytes_total of the server's address): the first large call
// carries its tensor, the later ones only the envelope. And requests that name shared
// memory falsely fail alone, saying why, and the server goes on; results that do fail
// their call alone.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "courier/courier.pb.h"
#include "lp/courier_channel.h"
#include "lp/courier_server.h"
#include "lp/future.h"
#include "lp/serialize.h"
#include "lp/tensor.h"
#include "src/courier/rpc/same_host.h"
#include "tests/courier/echo_backend_process.h"
#include "tests/courier/rpc_test_util.h"
#include "tests/support/courier_bytes_sent.h"

namespace lp {
namespace {

using ::lp::testing::EchoBackendProcess;
using ::lp::testing::CourierBytesReceived;
using ::lp::testing::CourierBytesSent;
using ::lp::testing::EchoFirst;
using ::lp::testing::Timeout;

constexpr size_t kLarge = size_t{4} << 20;  // over rpc::kMinSameHostTensorBytes
static_assert(kLarge >= rpc::kMinSameHostTensorBytes);

Tensor Patterned(size_t bytes, int seed) { return ::lp::testing::PatternedTensor(bytes, seed); }

courier::SerializedObject Encoded(Tensor tensor) {
  courier::SerializedObject object;
  Encode(std::move(tensor), &object);
  return object;
}

// The bytes this process sent in requests to `target`.
double SentTo(const std::string& target) { return CourierBytesSent("target", target); }

// The bytes this process received in replies from `target`.
double ReceivedFrom(const std::string& target) { return CourierBytesReceived("target", target); }

// Calls Patterned for a tensor of `bytes` bytes (seed `seed`) with a small request, checks
// the result, and returns how many bytes came from `target` through gRPC for it.
double FetchTensor(CourierChannel& channel, const std::string& target, size_t bytes, int seed) {
  const double before = ReceivedFrom(target);
  absl::StatusOr<courier::SerializedObject> result = channel.Call(
      "Patterned",
      ::lp::testing::Args({::lp::testing::Int(static_cast<int64_t>(bytes)),
                           ::lp::testing::Int(seed)}),
      Timeout());
  EXPECT_TRUE(result.ok()) << result.status();
  if (!result.ok()) return -1;
  absl::StatusOr<Tensor> tensor = DecodeAs<Tensor>(*result);
  EXPECT_TRUE(tensor.ok()) << tensor.status();
  if (tensor.ok()) {
    EXPECT_EQ(*tensor, Patterned(bytes, seed)) << "seed " << seed;
  }
  return ReceivedFrom(target) - before;
}

// Calls Echo with a tensor of kLarge bytes (seed `seed`), checks the echo, and returns
// how many bytes went to `target` through gRPC for it.
double EchoLargeTensor(CourierChannel& channel, const std::string& target, int seed) {
  const double before = SentTo(target);
  absl::StatusOr<courier::SerializedObject> echoed =
      channel.Call("Echo", ::lp::testing::Args({Encoded(Patterned(kLarge, seed))}), Timeout());
  EXPECT_TRUE(echoed.ok()) << echoed.status();
  if (!echoed.ok()) return -1;
  absl::StatusOr<Tensor> tensor = DecodeAs<Tensor>(*echoed);
  EXPECT_TRUE(tensor.ok()) << tensor.status();
  if (tensor.ok()) {
    EXPECT_EQ(*tensor, Patterned(kLarge, seed)) << "seed " << seed;
  }
  return SentTo(target) - before;
}

TEST(SameHostTensorsTest, LargeArgumentsGoThroughSharedMemoryOnceTheServerOffersIt) {
  EchoBackendProcess backend;
  ASSERT_NE(backend.channel(), nullptr) << backend.output();
  CourierChannel& channel = *backend.channel();

  // The first large request learns the offer: its tensor is in it.
  EXPECT_GE(EchoLargeTensor(channel, backend.address(), 1), kLarge);
  // Later ones send a few hundred bytes; the tensors arrive whole all the same.
  for (int seed = 2; seed <= 5; ++seed) {
    EXPECT_LT(EchoLargeTensor(channel, backend.address(), seed), 4096) << "seed " << seed;
  }

  // Asynchronous calls too, several at once, each with its own memory.
  const double before = SentTo(backend.address());
  std::vector<Future<courier::SerializedObject>> calls;
  for (int seed = 10; seed < 14; ++seed) {
    calls.push_back(channel.CallFuture(
        "Echo", ::lp::testing::Args({Encoded(Patterned(kLarge, seed))}), Timeout()));
  }
  for (int seed = 10; seed < 14; ++seed) {
    absl::StatusOr<courier::SerializedObject> echoed = calls[seed - 10].TakeResult();
    ASSERT_TRUE(echoed.ok()) << echoed.status();
    absl::StatusOr<Tensor> tensor = DecodeAs<Tensor>(*echoed);
    ASSERT_TRUE(tensor.ok()) << tensor.status();
    EXPECT_EQ(*tensor, Patterned(kLarge, seed));
  }
  EXPECT_LT(SentTo(backend.address()) - before, 4 * 4096);
}

// What an actor does with its learner: small requests, large parameters back. The first
// large result teaches the channel to lend memory for that method's results, and the
// server writes them there.
TEST(SameHostTensorsTest, LargeResultsComeThroughLentMemoryOnceAMethodReturnedOne) {
  EchoBackendProcess backend;
  ASSERT_NE(backend.channel(), nullptr) << backend.output();
  CourierChannel& channel = *backend.channel();

  EXPECT_GE(FetchTensor(channel, backend.address(), kLarge, 1), kLarge);
  for (int seed = 2; seed <= 5; ++seed) {
    EXPECT_LT(FetchTensor(channel, backend.address(), kLarge, seed), 4096) << "seed " << seed;
  }
  // Larger than the memory lent before: the server grows it.
  EXPECT_LT(FetchTensor(channel, backend.address(), 3 * kLarge + 12, 6), 4096);

  // Asynchronous calls too, several at once, each with memory of its own.
  const double before = ReceivedFrom(backend.address());
  std::vector<Future<courier::SerializedObject>> calls;
  for (int seed = 10; seed < 14; ++seed) {
    calls.push_back(channel.CallFuture(
        "Patterned",
        ::lp::testing::Args({::lp::testing::Int(static_cast<int64_t>(kLarge)),
                             ::lp::testing::Int(seed)}),
        Timeout()));
  }
  for (int seed = 10; seed < 14; ++seed) {
    absl::StatusOr<courier::SerializedObject> result = calls[seed - 10].TakeResult();
    ASSERT_TRUE(result.ok()) << result.status();
    absl::StatusOr<Tensor> tensor = DecodeAs<Tensor>(*result);
    ASSERT_TRUE(tensor.ok()) << tensor.status();
    EXPECT_EQ(*tensor, Patterned(kLarge, seed));
  }
  EXPECT_LT(ReceivedFrom(backend.address()) - before, 4 * 4096);
}

// A method whose result turns small stops being lent memory, and learns again from its
// next large result: the one after it comes through the socket, the next through memory.
TEST(SameHostTensorsTest, LendingFollowsWhatAMethodLastReturned) {
  EchoBackendProcess backend;
  ASSERT_NE(backend.channel(), nullptr) << backend.output();
  CourierChannel& channel = *backend.channel();
  EXPECT_GE(FetchTensor(channel, backend.address(), kLarge, 1), kLarge);
  EXPECT_LT(FetchTensor(channel, backend.address(), kLarge, 2), 4096);
  EXPECT_LT(FetchTensor(channel, backend.address(), 64, 3), 4096);
  EXPECT_GE(FetchTensor(channel, backend.address(), kLarge, 4), kLarge);
  EXPECT_LT(FetchTensor(channel, backend.address(), kLarge, 5), 4096);
}

TEST(SameHostTensorsTest, AServerWithThePathOffSendsEveryResultByteInTheReply) {
  EchoBackendProcess backend({"LP_SAME_HOST_TENSORS=0"});
  ASSERT_NE(backend.channel(), nullptr) << backend.output();
  for (int seed = 1; seed <= 3; ++seed) {
    EXPECT_GE(FetchTensor(*backend.channel(), backend.address(), kLarge, seed), kLarge);
  }
}

TEST(SameHostTensorsTest, AChannelWithThePathOffGetsEveryResultByteInTheReply) {
  EchoBackendProcess backend;
  ASSERT_NE(backend.channel(), nullptr) << backend.output();
  CourierChannelOptions options;
  options.same_host_tensors = false;
  std::shared_ptr<CourierChannel> channel = CourierChannel::Create(backend.address(), options);
  for (int seed = 1; seed <= 3; ++seed) {
    EXPECT_GE(FetchTensor(*channel, backend.address(), kLarge, seed), kLarge);
  }
}

TEST(SameHostTensorsTest, NestedAndSmallTensorsKeepTheirPlaces) {
  EchoBackendProcess backend;
  ASSERT_NE(backend.channel(), nullptr) << backend.output();
  CourierChannel& channel = *backend.channel();
  EchoLargeTensor(channel, backend.address(), 1);  // learns the offer

  // A list of a small tensor, two large ones and a dict holding another large one: the
  // large ones go through shared memory, the small one in the request.
  courier::SerializedObject list;
  list.mutable_list_value()->set_is_tuple(true);
  *list.mutable_list_value()->add_items() = Encoded(Patterned(1024, 7));
  *list.mutable_list_value()->add_items() = Encoded(Patterned(kLarge, 8));
  *list.mutable_list_value()->add_items() = Encoded(Patterned(kLarge + 4, 9));
  courier::SerializedObject* dict = list.mutable_list_value()->add_items();
  Encode(std::string("key"), dict->mutable_dict_value()->add_keys());
  *dict->mutable_dict_value()->add_values() = Encoded(Patterned(2 * kLarge, 10));
  const courier::SerializedObject sent = list;

  const double before = SentTo(backend.address());
  const double received_before = ReceivedFrom(backend.address());
  absl::StatusOr<courier::SerializedObject> echoed =
      channel.Call("Echo", ::lp::testing::Args({std::move(list)}), Timeout());
  ASSERT_TRUE(echoed.ok()) << echoed.status();
  EXPECT_EQ(echoed->SerializeAsString(), sent.SerializeAsString());
  EXPECT_LT(SentTo(backend.address()) - before, 8192);
  // The echo's large tensors came back through the memory Echo is lent since its first
  // large result; the small one in the reply.
  EXPECT_LT(ReceivedFrom(backend.address()) - received_before, 8192);
}

TEST(SameHostTensorsTest, AServerWithThePathOffGetsEveryByteInTheRequest) {
  EchoBackendProcess backend({"LP_SAME_HOST_TENSORS=0"});
  ASSERT_NE(backend.channel(), nullptr) << backend.output();
  for (int seed = 1; seed <= 3; ++seed) {
    EXPECT_GE(EchoLargeTensor(*backend.channel(), backend.address(), seed), kLarge);
  }
}

TEST(SameHostTensorsTest, WorksBetweenAClientAndServerOfOneProcess) {
  CourierServer server;
  ASSERT_TRUE(server.RegisterMethod("Echo", EchoFirst).ok());
  absl::StatusOr<int> port = server.Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok()) << port.status();
  const std::string address = absl::StrCat("127.0.0.1:", *port);
  std::shared_ptr<CourierChannel> channel = CourierChannel::Create(address);
  EXPECT_GE(EchoLargeTensor(*channel, address, 1), kLarge);
  EXPECT_LT(EchoLargeTensor(*channel, address, 2), 4096);
  server.Shutdown(absl::Now() + ::lp::testing::kLong);
}

// A request that names shared memory, built by hand as a hostile or confused caller would.
class ForgedSharedMemoryTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(backend_.channel(), nullptr) << backend_.output(); }

  // Echo of one SharedTensor of `size` bytes at `offset` in `memory`.
  grpc::Status CallWith(const courier::SharedMemory& memory, uint64_t offset, uint64_t size,
                        grpc::ByteBuffer* reply = nullptr) {
    courier::CallRequest request;
    request.set_method("Echo");
    courier::SharedTensor* tensor =
        request.mutable_arguments()->add_args()->mutable_shared_tensor_value();
    tensor->mutable_header()->set_dtype(tensorflow::DT_UINT8);
    tensor->mutable_header()->mutable_tensor_shape()->add_dim()->set_size(
        static_cast<int64_t>(size));
    tensor->set_offset(offset);
    tensor->set_size(size);
    *request.mutable_shared_memory() = memory;
    grpc::Slice slice(request.SerializeAsString());
    return ::lp::testing::RawCall(backend_.address(), grpc::ByteBuffer(&slice, 1),
                                  GRPC_COMPRESS_NONE, ::lp::testing::kLong, reply);
  }

  // Shared memory of this process as lp's own would be: a memfd named like lp's.
  courier::SharedMemory Memory(int fd, std::string name = "lp-courier-tensors-test") {
    courier::SharedMemory memory;
    memory.set_host(rpc::SameHostIdentity());
    memory.set_pid(getpid());
    memory.set_fd(fd);
    memory.set_name(std::move(name));
    return memory;
  }

  // The backend still serves an ordinary call.
  void ExpectBackendServes() {
    absl::StatusOr<courier::SerializedObject> echoed = backend_.channel()->Call(
        "Echo", ::lp::testing::Args({::lp::testing::Int(42)}), Timeout());
    ASSERT_TRUE(echoed.ok()) << echoed.status();
    EXPECT_EQ(echoed->int_value(), 42);
  }

  EchoBackendProcess backend_;
};

TEST_F(ForgedSharedMemoryTest, TheRealThingIsRead) {
  const int fd = memfd_create("lp-courier-tensors-test", MFD_CLOEXEC);
  ASSERT_GE(fd, 0);
  const std::string content = "0123456789abcdef";
  ASSERT_EQ(pwrite(fd, content.data(), content.size(), 0), static_cast<ssize_t>(content.size()));
  grpc::ByteBuffer reply;
  grpc::Status status = CallWith(Memory(fd), 4, 8, &reply);
  close(fd);
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(reply.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  courier::CallResponse response;
  ASSERT_TRUE(response.ParseFromString(bytes));
  EXPECT_EQ(response.result().result().tensor_value().tensor_content(), "456789ab");
}

TEST_F(ForgedSharedMemoryTest, MemoryOfAnotherHostIsRefused) {
  courier::SharedMemory memory = Memory(0);
  memory.set_host("another-boot/pid:[1]/net:[1]/0");
  grpc::Status status = CallWith(memory, 0, 8);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_message().find("another host"), std::string::npos)
      << status.error_message();
  // What makes the caller's channel send its tensors in the request from then on.
  EXPECT_EQ(status.error_message().rfind(rpc::kSharedMemoryUnreadable, 0), 0u)
      << status.error_message();
  ExpectBackendServes();
}

TEST_F(ForgedSharedMemoryTest, AFileThatIsNotLpsMemoryIsNotRead) {
  // Named like lp's memory, but the descriptor is an ordinary file's.
  const int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  grpc::Status named_falsely = CallWith(Memory(fd), 0, 8);
  // Not named like lp's at all.
  grpc::Status other_name = CallWith(Memory(fd, "secrets"), 0, 8);
  close(fd);
  EXPECT_EQ(named_falsely.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(named_falsely.error_message().find("names another file"), std::string::npos)
      << named_falsely.error_message();
  EXPECT_EQ(other_name.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(other_name.error_message().find("not lp's"), std::string::npos)
      << other_name.error_message();
  ExpectBackendServes();
}

TEST_F(ForgedSharedMemoryTest, ADescriptorThatIsClosedIsNotRead) {
  const int fd = memfd_create("lp-courier-tensors-test", MFD_CLOEXEC);
  ASSERT_GE(fd, 0);
  close(fd);
  grpc::Status status = CallWith(Memory(fd), 0, 8);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_message().find("cannot open the caller's shared memory"),
            std::string::npos)
      << status.error_message();
  ExpectBackendServes();
}

TEST_F(ForgedSharedMemoryTest, ATensorOutsideTheMemoryOrOverTheLimitIsRefused) {
  const int fd = memfd_create("lp-courier-tensors-test", MFD_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, 4096), 0);
  grpc::Status outside = CallWith(Memory(fd), 4000, 200);
  grpc::Status wraps = CallWith(Memory(fd), UINT64_MAX - 10, 100);
  grpc::Status huge = CallWith(Memory(fd), 0, uint64_t{3} << 30);
  close(fd);
  EXPECT_EQ(outside.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(outside.error_message().find("outside the caller's shared memory"), std::string::npos)
      << outside.error_message();
  EXPECT_EQ(wraps.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << wraps.error_message();
  EXPECT_EQ(huge.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << huge.error_message();
  ExpectBackendServes();
}

// A server (here a method that forges one) whose result names shared memory the caller
// did not lend, or places a tensor outside the memory it did lend, fails that call alone,
// saying so; the channel goes on.
TEST(SameHostTensorsTest, AResultThatNamesSharedMemoryFalselyFailsItsCallAlone) {
  CourierServer server;
  // Forged(false): a large tensor; Forged(true): a SharedTensor far outside any memory.
  ASSERT_TRUE(server
                  .RegisterMethod("Forged",
                                  [](courier::CallArguments& args)
                                      -> absl::StatusOr<courier::SerializedObject> {
                                    courier::SerializedObject result;
                                    if (args.args(0).bool_value()) {
                                      result.mutable_shared_tensor_value()->set_offset(1 << 30);
                                      result.mutable_shared_tensor_value()->set_size(8);
                                    } else {
                                      Encode(Patterned(kLarge, 7), &result);
                                    }
                                    return result;
                                  })
                  .ok());
  absl::StatusOr<int> port = server.Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok()) << port.status();
  const std::string address = absl::StrCat("127.0.0.1:", *port);
  std::shared_ptr<CourierChannel> channel = CourierChannel::Create(address);
  auto forged = [&](bool forge) {
    courier::SerializedObject flag;
    flag.set_bool_value(forge);
    return channel->Call("Forged", ::lp::testing::Args({std::move(flag)}), Timeout());
  };
  auto expect_large_tensor = [](const absl::StatusOr<courier::SerializedObject>& result) {
    ASSERT_TRUE(result.ok()) << result.status();
    absl::StatusOr<Tensor> tensor = DecodeAs<Tensor>(*result);
    ASSERT_TRUE(tensor.ok()) << tensor.status();
    EXPECT_EQ(*tensor, Patterned(kLarge, 7));
  };

  // Nothing lent yet.
  absl::StatusOr<courier::SerializedObject> unlent = forged(true);
  ASSERT_FALSE(unlent.ok());
  EXPECT_EQ(unlent.status().code(), absl::StatusCode::kInternal) << unlent.status();
  EXPECT_NE(unlent.status().message().find("lent it none"), std::string::npos)
      << unlent.status();

  // A large result through the socket teaches the channel to lend memory for the next.
  double before = ReceivedFrom(address);
  expect_large_tensor(forged(false));
  EXPECT_GE(ReceivedFrom(address) - before, kLarge);
  absl::StatusOr<courier::SerializedObject> outside = forged(true);
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.status().code(), absl::StatusCode::kInternal) << outside.status();
  EXPECT_NE(outside.status().message().find("outside the memory lent for the result"),
            std::string::npos)
      << outside.status();

  // The channel goes on, still through lent memory.
  before = ReceivedFrom(address);
  expect_large_tensor(forged(false));
  EXPECT_LT(ReceivedFrom(address) - before, 4096);
  server.Shutdown(absl::Now() + ::lp::testing::kLong);
}

TEST(SameHostTensorsTest, ASharedTensorOutsideARequestIsNotATensor) {
  courier::SerializedObject object;
  object.mutable_shared_tensor_value()->set_size(8);
  absl::StatusOr<Tensor> tensor = DecodeAs<Tensor>(object);
  ASSERT_FALSE(tensor.ok());
  EXPECT_NE(tensor.status().message().find("tensor in shared memory"), std::string::npos)
      << tensor.status();
}

}  // namespace
}  // namespace lp
