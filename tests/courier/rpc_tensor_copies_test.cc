// Tensors and long strings cross Courier without copies of their bytes on the way out:
// the request a caller sends and the reply a server sends are grpc::ByteBuffers whose
// large fields are slices of the message's own memory (SerializeSharing). Checked by
// storage identity: the slice that carries a tensor starts at the address its elements
// had in the lp::Tensor the caller or the method gave away.
#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/proto_buffer_reader.h>
#include <grpcpp/support/slice.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "courier/courier.pb.h"
#include "lp/serialize.h"
#include "lp/tensor.h"
#include "src/courier/rpc/call_request.h"
#include "src/courier/rpc/courier_service.h"
#include "src/courier/rpc/grpc_library.h"
#include "src/courier/rpc/method_registry.h"
#include "src/courier/rpc/received_tensors.h"
#include "src/courier/rpc/shared_serialization.h"
#include "src/courier/serialization/tensor_bytes.h"

namespace lp {
namespace {

using courier::SerializedObject;

std::vector<grpc::Slice> SlicesOf(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  return slices;
}

std::string BytesOf(const grpc::ByteBuffer& buffer) {
  std::string bytes;
  for (const grpc::Slice& slice : SlicesOf(buffer)) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

// Whether one slice of `buffer` is exactly [data, data + size): those bytes were not copied.
bool HasSliceAt(const grpc::ByteBuffer& buffer, const void* data, size_t size) {
  for (const grpc::Slice& slice : SlicesOf(buffer)) {
    if (slice.begin() == data && slice.size() == size) return true;
  }
  return false;
}

// Whether any slice of `buffer` points into [data, data + size).
bool PointsInto(const grpc::ByteBuffer& buffer, const void* data, size_t size) {
  const auto* begin = static_cast<const uint8_t*>(data);
  for (const grpc::Slice& slice : SlicesOf(buffer)) {
    if (slice.begin() < begin + size && begin < slice.end()) return true;
  }
  return false;
}

class SharedSerializationTest : public ::testing::Test {
 protected:
  void SetUp() override { rpc::KeepGrpcInitialized(); }
};

// A list of `sizes.size()` byte strings, the i-th of sizes[i] bytes of value 'a' + i.
std::shared_ptr<SerializedObject> ListOfBytes(const std::vector<size_t>& sizes) {
  auto object = std::make_shared<SerializedObject>();
  for (size_t i = 0; i < sizes.size(); ++i) {
    object->mutable_list_value()->add_items()->set_string_value(
        std::string(sizes[i], static_cast<char>('a' + i)));
  }
  return object;
}

TEST_F(SharedSerializationTest, BytesAreProtobufsOwnEncoding) {
  const size_t big = rpc::kMinSharedFieldBytes;
  for (const std::vector<size_t>& sizes : std::vector<std::vector<size_t>>{
           {},
           {0},
           {5},
           {big - 1},
           {big},
           {big + 1, 3, big * 5 + 7},
           {100, 200, 300, big * 2, 1, 2, 3},
           std::vector<size_t>(200, 1000),  // small fields over many blocks
           {size_t{3} << 20}}) {
    std::shared_ptr<SerializedObject> object = ListOfBytes(sizes);
    const std::string expected = object->SerializeAsString();
    absl::StatusOr<rpc::MovableByteBuffer> buffer = rpc::SerializeSharing(object);
    ASSERT_TRUE(buffer.ok()) << buffer.status();
    EXPECT_EQ(BytesOf(buffer->bytes()), expected) << sizes.size() << " fields";
    EXPECT_EQ(buffer->Length(), expected.size());
  }
}

TEST_F(SharedSerializationTest, LargeFieldsAreSlicesOfTheMessage) {
  std::shared_ptr<SerializedObject> object =
      ListOfBytes({10, size_t{1} << 20, 20, rpc::kMinSharedFieldBytes});
  const std::string& first_big = object->list_value().items(1).string_value();
  const std::string& second_big = object->list_value().items(3).string_value();
  absl::StatusOr<rpc::MovableByteBuffer> buffer = rpc::SerializeSharing(object);
  ASSERT_TRUE(buffer.ok()) << buffer.status();
  EXPECT_TRUE(HasSliceAt(buffer->bytes(), first_big.data(), first_big.size()));
  EXPECT_TRUE(HasSliceAt(buffer->bytes(), second_big.data(), second_big.size()));
}

// gRPC's own ByteBuffer has no move, so moving one copies it (a new grpc_byte_buffer,
// every slice referenced again) and leaves the source as it was. The encoded bytes move
// through a StatusOr and callbacks on every call: they must hand themselves over.
TEST_F(SharedSerializationTest, EncodedBytesMoveWithoutACopy) {
  std::shared_ptr<SerializedObject> object = ListOfBytes({size_t{1} << 20});
  const std::string& big = object->list_value().items(0).string_value();
  absl::StatusOr<rpc::MovableByteBuffer> encoded = rpc::SerializeSharing(object);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  const size_t length = encoded->Length();

  absl::StatusOr<rpc::MovableByteBuffer> passed = std::move(encoded);  // as to a callback
  EXPECT_FALSE(encoded->bytes().Valid());  // NOLINT(bugprone-use-after-move): the point
  rpc::MovableByteBuffer taken = *std::move(passed);
  EXPECT_FALSE(passed->bytes().Valid());  // NOLINT(bugprone-use-after-move)
  rpc::MovableByteBuffer assigned;
  assigned = std::move(taken);
  EXPECT_FALSE(taken.bytes().Valid());  // NOLINT(bugprone-use-after-move)

  EXPECT_EQ(assigned.Length(), length);
  EXPECT_TRUE(HasSliceAt(assigned.bytes(), big.data(), big.size()));
}

TEST_F(SharedSerializationTest, SmallFieldsAreCopied) {
  std::shared_ptr<SerializedObject> object = ListOfBytes({rpc::kMinSharedFieldBytes - 1, 7});
  const std::string expected = object->SerializeAsString();
  std::weak_ptr<SerializedObject> alive = object;
  absl::StatusOr<rpc::MovableByteBuffer> buffer = rpc::SerializeSharing(std::move(object));
  ASSERT_TRUE(buffer.ok()) << buffer.status();
  // No slice refers to the message, so it is gone: the bytes are all copies.
  EXPECT_TRUE(alive.expired());
  EXPECT_EQ(BytesOf(buffer->bytes()), expected);
}

TEST_F(SharedSerializationTest, TheBytesOwnTheMessageUntilTheLastSliceIsGone) {
  std::shared_ptr<SerializedObject> object = ListOfBytes({size_t{1} << 20, size_t{1} << 20});
  std::weak_ptr<SerializedObject> alive = object;
  absl::StatusOr<rpc::MovableByteBuffer> buffer = rpc::SerializeSharing(std::move(object));
  ASSERT_TRUE(buffer.ok()) << buffer.status();
  EXPECT_FALSE(alive.expired());

  // gRPC may keep slices longer than the buffer (a write still queued): so do we here.
  std::vector<grpc::Slice> slices = SlicesOf(buffer->bytes());
  buffer->bytes().Clear();
  EXPECT_FALSE(alive.expired());
  const std::string copy = [&] {
    std::string bytes;
    for (const grpc::Slice& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    return bytes;
  }();
  EXPECT_EQ(copy, ListOfBytes({size_t{1} << 20, size_t{1} << 20})->SerializeAsString());
  slices.clear();
  EXPECT_TRUE(alive.expired());
}

// A 1 MiB float tensor whose element 12345 is 4.5.
Tensor MebibyteTensor() {
  Tensor tensor(DType::kFloat, {256, 1024});
  tensor.span<float>()[12345] = 4.5f;
  return tensor;
}

TEST_F(SharedSerializationTest, ArgumentTensorIsSentFromItsOwnStorage) {
  Tensor tensor = MebibyteTensor();
  const void* storage = tensor.bytes().data();
  const size_t size = tensor.ByteSize();
  courier::CallArguments args;
  Encode(std::move(tensor), args.add_args());  // as CourierClient does with an rvalue

  absl::StatusOr<rpc::MovableByteBuffer> request =
      rpc::EncodeCallRequest("Consume", std::move(args), /*max_send_message_bytes=*/-1);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_TRUE(HasSliceAt(request->bytes(), storage, size));

  // And the server reads it back as sent.
  grpc::ProtoBufferReader reader(&request->bytes());
  absl::StatusOr<rpc::ParsedCallRequest> parsed = rpc::ParseCallRequest(reader, request->Length());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->method, "Consume");
  absl::StatusOr<Tensor> received = DecodeAs<Tensor>(parsed->arguments.args(0));
  ASSERT_TRUE(received.ok()) << received.status();
  EXPECT_EQ(*received, MebibyteTensor());
}

TEST_F(SharedSerializationTest, ArgumentChecksStillRefuseBeforeSending) {
  courier::CallArguments args;
  Encode(MebibyteTensor(), args.add_args());
  absl::StatusOr<rpc::MovableByteBuffer> request =
      rpc::EncodeCallRequest("Consume", std::move(args), /*max_send_message_bytes=*/1 << 20);
  EXPECT_EQ(request.status().code(), absl::StatusCode::kResourceExhausted);
}

// The reply to a call of a method "Make" that runs `make`, served on this thread.
absl::StatusOr<rpc::MovableByteBuffer> ReplyOfMake(CourierHandler make) {
  rpc::MethodRegistry registry;
  if (absl::Status added = registry.Add("Make", std::move(make)); !added.ok()) return added;
  rpc::CourierServiceImpl service(registry, /*max_send_message_bytes=*/-1);
  absl::StatusOr<rpc::MovableByteBuffer> request =
      rpc::EncodeCallRequest("Make", {}, /*max_send_message_bytes=*/-1);
  if (!request.ok()) return request.status();
  grpc::ServerContext context;
  absl::StatusOr<rpc::MovableByteBuffer> reply = absl::InternalError("Serve did not reply");
  service.Serve(context, request->bytes(), [&reply](absl::StatusOr<rpc::MovableByteBuffer> served) {
    reply = std::move(served);
  });
  return reply;
}

// Small requests and replies are written by hand (without building the CallRequest or
// CallResponse), large ones by SerializeSharing: both must be protobuf's own bytes, on
// either side of the size where one gives way to the other.
TEST_F(SharedSerializationTest, RequestsAndRepliesAreProtobufsOwnEncoding) {
  courier::SharedMemory shared;
  shared.set_host("host-a");
  shared.set_pid(1234);
  shared.set_fd(7);
  courier::SharedMemory lent = shared;
  lent.set_name("lent");
  const size_t big = rpc::kMinSharedFieldBytes;
  for (const std::string& method : {std::string("Echo"), std::string(), std::string(300, 'm')}) {
    for (size_t bytes : {size_t{0}, size_t{5}, big - 40, big - 20, big - 1, big, big * 3}) {
      for (int memories = 0; memories < 3; ++memories) {
        SCOPED_TRACE(absl::StrCat("method of ", method.size(), " bytes, an argument of ", bytes,
                                  " bytes, ", memories, " memories"));
        courier::CallRequest expected;
        expected.set_method(method);
        expected.mutable_arguments()->add_args()->set_string_value(std::string(bytes, 'x'));
        (*expected.mutable_arguments()->mutable_kwargs())["k"].set_int_value(3);
        if (memories > 0) *expected.mutable_shared_memory() = shared;
        if (memories > 1) *expected.mutable_result_memory() = lent;
        absl::StatusOr<rpc::MovableByteBuffer> request = rpc::EncodeCallRequest(
            method, expected.arguments(), /*max_send_message_bytes=*/-1,
            memories > 0 ? &shared : nullptr, memories > 1 ? &lent : nullptr);
        ASSERT_TRUE(request.ok()) << request.status();
        EXPECT_EQ(BytesOf(request->bytes()), expected.SerializeAsString());
      }
    }
  }
  for (size_t bytes : {size_t{0}, size_t{5}, big - 10, big - 6, big - 1, big, big * 3}) {
    SCOPED_TRACE(absl::StrCat("a result of ", bytes, " bytes"));
    SerializedObject result;
    result.set_string_value(std::string(bytes, 'r'));
    absl::StatusOr<rpc::MovableByteBuffer> reply =
        ReplyOfMake([&result](courier::CallArguments&, SerializedObject* out) {
          *out = result;
          return absl::OkStatus();
        });
    ASSERT_TRUE(reply.ok()) << reply.status();
    courier::CallResponse expected;
    *expected.mutable_result()->mutable_result() = result;
    EXPECT_EQ(BytesOf(reply->bytes()), expected.SerializeAsString());
  }
}

TEST_F(SharedSerializationTest, ResultTensorIsRepliedFromItsOwnStorage) {
  const void* storage = nullptr;
  absl::StatusOr<rpc::MovableByteBuffer> reply =
      ReplyOfMake([&storage](courier::CallArguments&, SerializedObject* result) {
        Tensor tensor = MebibyteTensor();
        storage = tensor.bytes().data();
        Encode(std::move(tensor), result);  // as a typed method's return
        return absl::OkStatus();
      });
  ASSERT_TRUE(reply.ok()) << reply.status();
  ASSERT_NE(storage, nullptr);
  EXPECT_TRUE(HasSliceAt(reply->bytes(), storage, MebibyteTensor().ByteSize()));

  courier::CallResponse response;
  grpc::ProtoBufferReader reader(&reply->bytes());
  ASSERT_TRUE(response.ParseFromZeroCopyStream(&reader));
  absl::StatusOr<Tensor> returned = DecodeAs<Tensor>(response.result().result());
  ASSERT_TRUE(returned.ok()) << returned.status();
  EXPECT_EQ(*returned, MebibyteTensor());
}

TEST_F(SharedSerializationTest, TensorPassedByConstReferenceIsCopiedOnce) {
  // The caller keeps its tensor, so the request holds a copy, and that copy is sent
  // without another one: the caller's own storage is never referenced.
  const Tensor kept = MebibyteTensor();
  courier::CallArguments args;
  Encode(kept, args.add_args());
  const std::string& copy = args.args(0).tensor_value().tensor_content();
  const void* copy_storage = copy.data();
  absl::StatusOr<rpc::MovableByteBuffer> request =
      rpc::EncodeCallRequest("Consume", std::move(args), /*max_send_message_bytes=*/-1);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_TRUE(HasSliceAt(request->bytes(), copy_storage, kept.ByteSize()));
  EXPECT_FALSE(PointsInto(request->bytes(), kept.bytes().data(), kept.ByteSize()));
}

// Storage that tensors leave in a message is given back for reuse once gRPC is done
// with the message (recycled_tensors.h), and a received tensor is read into storage
// given back before (tensor_bytes.h): so a caller that sends a 1 MiB tensor per call, and
// a server that receives one, reuse the same few buffers instead of fresh pages.
class RecycledTensorsTest : public SharedSerializationTest {
 public:
  static constexpr size_t kMebibyte = size_t{1} << 20;  // MebibyteTensor().ByteSize()

 protected:
  void SetUp() override {
    SharedSerializationTest::SetUp();
    internal::FreeRecycledBytes();  // the cache is the process's
  }
  void TearDown() override { internal::FreeRecycledBytes(); }
};

TEST_F(RecycledTensorsTest, ASentTensorsStorageIsGivenBackWhenGrpcIsDoneWithIt) {
  Tensor tensor = MebibyteTensor();
  const void* storage = tensor.bytes().data();
  courier::CallArguments args;
  Encode(std::move(tensor), args.add_args());
  absl::StatusOr<rpc::MovableByteBuffer> request =
      rpc::EncodeCallRequest("Consume", std::move(args), /*max_send_message_bytes=*/-1);
  ASSERT_TRUE(request.ok()) << request.status();
  // As a write still in the transport.
  std::vector<grpc::Slice> queued = SlicesOf(request->bytes());
  request->bytes().Clear();
  EXPECT_EQ(internal::RecyclingNow().buffers, 0);  // still sent from
  queued.clear();
  EXPECT_EQ(internal::RecyclingNow().buffers, 1);
  EXPECT_EQ(internal::ReservedBytes(kMebibyte).data(), storage);
}

TEST_F(RecycledTensorsTest, AReplysTensorStorageIsGivenBackWhenGrpcIsDoneWithIt) {
  absl::StatusOr<rpc::MovableByteBuffer> reply =
      ReplyOfMake([](courier::CallArguments&, SerializedObject* result) {
        std::vector<Tensor> layers;
        layers.push_back(MebibyteTensor());
        // In a list, as a method returning its parameters by layer.
        Encode(std::move(layers), result);
        return absl::OkStatus();
      });
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(internal::RecyclingNow().buffers, 0);
  const void* storage = nullptr;
  for (const grpc::Slice& slice : SlicesOf(reply->bytes())) {
    if (slice.size() == kMebibyte) storage = slice.begin();
  }
  ASSERT_NE(storage, nullptr);  // sent from the tensor's own storage
  reply->bytes().Clear();
  EXPECT_EQ(internal::RecyclingNow().buffers, 1);
  EXPECT_EQ(internal::ReservedBytes(kMebibyte).data(), storage);
}

TEST_F(RecycledTensorsTest, AReceivedTensorIsReadIntoStorageGivenBack) {
  courier::CallArguments args;
  Encode(std::vector<Tensor>{MebibyteTensor()}, args.add_args());
  absl::StatusOr<rpc::MovableByteBuffer> request =
      rpc::EncodeCallRequest("Consume", std::move(args), /*max_send_message_bytes=*/-1);
  ASSERT_TRUE(request.ok()) << request.status();
  internal::FreeRecycledBytes();  // what sending the copy gave back, if anything
  const void* storage = nullptr;
  {
    Tensor done = MebibyteTensor();
    storage = done.bytes().data();
  }

  // As the server reads a request (CourierServiceImpl::Serve).
  ASSERT_TRUE(rpc::ReadsObjectsByHand(request->bytes()));
  grpc::ProtoBufferReader reader(&request->bytes());
  absl::StatusOr<rpc::ParsedCallRequest> parsed =
      rpc::ParseCallRequest(reader, request->Length(), rpc::ReadsObjectsByHand(request->bytes()));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  absl::StatusOr<std::vector<Tensor>> received =
      DecodeAs<std::vector<Tensor>>(parsed->arguments.mutable_args(0));  // moves, as a method
  ASSERT_TRUE(received.ok()) << received.status();
  ASSERT_EQ(received->size(), 1u);
  EXPECT_EQ(received->front().bytes().data(), storage);
  EXPECT_EQ(received->front(), MebibyteTensor());
}

}  // namespace
}  // namespace lp
