// Large tensors received through gRPC are parsed into storage on huge pages
// (src/courier/rpc/received_tensors.h). A scan of the bytes finds them, and the parse
// must give the same message with or without it, whatever the bytes are: checked against
// protobuf's own parse of requests built by hand, as a confused or hostile caller could
// send them. End to end over real sockets, to a server in this process with the
// same-host path off, as between hosts.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/wire_format_lite.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/proto_buffer_reader.h>
#include <grpcpp/support/slice.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "courier/courier.pb.h"
#include "lp/courier_channel.h"
#include "lp/courier_server.h"
#include "lp/serialize.h"
#include "lp/tensor.h"
#include "src/courier/rpc/call_request.h"
#include "src/courier/rpc/received_tensors.h"
#include "tests/courier/rpc_test_util.h"
#include "tests/support/huge_pages.h"

namespace lp {
namespace {

using courier::SerializedObject;
using google::protobuf::internal::WireFormatLite;
using ::lp::testing::AdvisedHugePages;
using ::lp::testing::Middle;

constexpr size_t kLarge = size_t{8} << 20;  // over the 4 MiB from which storage is advised

class ReceivedTensorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!::lp::testing::KernelHasHugePages()) {
      GTEST_SKIP() << "this kernel has no transparent huge pages: nothing is advised";
    }
  }
};

grpc::ByteBuffer BufferOf(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// Field `number` holding `bytes`, length-delimited, as protobuf writes it.
std::string Field(int number, const std::string& bytes) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.WriteTag(WireFormatLite::MakeTag(number, WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
    coded.WriteVarint32(static_cast<uint32_t>(bytes.size()));
    coded.WriteRaw(bytes.data(), static_cast<int>(bytes.size()));
  }
  return out;
}

// A SerializedObject's bytes: a float tensor of `bytes` bytes, or an int.
std::string TensorBytes(size_t bytes, int seed = 1) {
  SerializedObject object;
  Encode(::lp::testing::PatternedTensor(bytes, seed), &object);
  return object.SerializeAsString();
}
std::string IntBytes(int64_t value) { return ::lp::testing::Int(value).SerializeAsString(); }

// A CallRequest's bytes: method "M" and one `arguments` field per list of args' bytes.
std::string RequestBytes(const std::vector<std::vector<std::string>>& arguments_fields) {
  std::string request = Field(courier::CallRequest::kMethodFieldNumber, "M");
  for (const std::vector<std::string>& args : arguments_fields) {
    std::string arguments;
    for (const std::string& arg : args) {
      arguments += Field(courier::CallArguments::kArgsFieldNumber, arg);
    }
    request += Field(courier::CallRequest::kArgumentsFieldNumber, arguments);
  }
  return request;
}

TEST_F(ReceivedTensorsTest, TheScanFindsTopLevelTensorArgumentsOfFourMebibytesOrMore) {
  SerializedObject long_string;
  long_string.set_string_value(std::string(kLarge, 'x'));
  grpc::ByteBuffer request = BufferOf(RequestBytes(
      {{IntBytes(1), TensorBytes(kLarge), TensorBytes(1024), long_string.SerializeAsString()}}));
  EXPECT_EQ(rpc::LargeArgumentTensors(request), (std::vector<size_t>{0, kLarge, 0, 0}));

  grpc::ByteBuffer small = BufferOf(RequestBytes({{TensorBytes(size_t{3} << 20)}}));
  EXPECT_TRUE(rpc::LargeArgumentTensors(small).empty());
}

TEST_F(ReceivedTensorsTest, TheScanFindsALargeResultTensor) {
  courier::CallResponse response;
  Encode(::lp::testing::PatternedTensor(kLarge, 3), response.mutable_result()->mutable_result());
  grpc::ByteBuffer tensor_reply = BufferOf(response.SerializeAsString());
  EXPECT_EQ(rpc::LargeResultTensor(tensor_reply), kLarge);

  response.mutable_result()->mutable_result()->set_string_value(std::string(kLarge, 'x'));
  grpc::ByteBuffer string_reply = BufferOf(response.SerializeAsString());
  EXPECT_EQ(rpc::LargeResultTensor(string_reply), 0u);
}

TEST_F(ReceivedTensorsTest, RequestsParseAsProtobufParsesThem) {
  struct Case {
    std::string name;
    std::string bytes;
    std::vector<size_t> advised_args;  // indices whose content must be on huge pages
  };
  // A second tensor_value merges into the first: content from the first, dtype from both.
  SerializedObject no_content;
  no_content.mutable_tensor_value()->set_dtype(tensorflow::DT_FLOAT);
  no_content.mutable_tensor_value()->mutable_tensor_shape()->add_dim()->set_size(
      static_cast<int64_t>(kLarge / sizeof(float)));
  const std::string request = RequestBytes({{TensorBytes(kLarge), IntBytes(2)}});
  const std::vector<Case> cases = {
      {"a tensor and an int", request, {0}},
      {"a tensor, then an int in the same argument",
       RequestBytes({{TensorBytes(kLarge) + IntBytes(7)}}), {}},
      // The int replaces the prepared tensor, and the tensor after it gets new storage,
      // protobuf's: no encoder writes two values for one argument.
      {"an int, then a tensor in the same argument",
       RequestBytes({{IntBytes(7) + TensorBytes(kLarge)}}), {}},
      {"a tensor merged with one without content",
       RequestBytes({{TensorBytes(kLarge) + no_content.SerializeAsString()}}), {0}},
      {"two tensors, the second replacing the first's content",
       RequestBytes({{TensorBytes(kLarge, 1) + TensorBytes(kLarge + 4096, 2)}}), {0}},
      {"two arguments fields", RequestBytes({{IntBytes(1)}, {TensorBytes(kLarge)}}), {1}},
      // An argument with no value stays without one: only the tensor's is prepared.
      {"an empty argument before a tensor", RequestBytes({{"", TensorBytes(kLarge)}}), {1}},
      {"cut short", request.substr(0, request.size() - 1), {}},
      {"a length past the end", request.substr(0, request.size() / 2), {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    grpc::ByteBuffer buffer = BufferOf(c.bytes);
    const std::vector<size_t> tensors = rpc::LargeArgumentTensors(buffer);
    grpc::ProtoBufferReader reader(&buffer);
    absl::StatusOr<rpc::ParsedCallRequest> parsed =
        rpc::ParseCallRequest(reader, buffer.Length(), tensors);

    courier::CallRequest expected;
    if (!expected.ParseFromString(c.bytes)) {
      EXPECT_FALSE(parsed.ok());
      continue;
    }
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(parsed->arguments,
                                                                   expected.arguments()));
    for (size_t index : c.advised_args) {
      ASSERT_LT(index, static_cast<size_t>(parsed->arguments.args_size()));
      EXPECT_TRUE(AdvisedHugePages(
          Middle(parsed->arguments.args(static_cast<int>(index)).tensor_value().tensor_content())))
          << "arg " << index;
    }
  }
}

// The scan must not change what the parse makes of any bytes, however damaged: requests
// whose tags and lengths were changed at random (a fixed seed), or that were cut short,
// parse with the scan exactly as without it, to the same arguments or the same error.
TEST_F(ReceivedTensorsTest, DamagedRequestsParseAsWithoutTheScan) {
  const size_t tensor_bytes = size_t{4} << 20;
  const std::string first = RequestBytes({{IntBytes(1), TensorBytes(tensor_bytes)}});
  const std::string request =
      first + RequestBytes({{TensorBytes(tensor_bytes + 4096, 2)}})
                  .substr(Field(courier::CallRequest::kMethodFieldNumber, "M").size());
  // Where the structure is: the start, and around the second arguments field.
  const std::vector<std::pair<size_t, size_t>> structure = {{0, 64},
                                                            {first.size() - 16, first.size() + 64}};
  std::mt19937 random(37);
  int scanned = 0;
  int parsed = 0;
  for (int round = 0; round < 200; ++round) {
    std::string damaged = request;
    if (round % 4 == 3) {
      damaged.resize(tensor_bytes + random() % (request.size() - tensor_bytes));
    } else {
      for (int change = 0; change <= round % 3; ++change) {
        const auto& [begin, end] = structure[random() % structure.size()];
        damaged[begin + random() % (end - begin)] = static_cast<char>(random());
      }
    }
    grpc::ByteBuffer buffer = BufferOf(damaged);
    const std::vector<size_t> tensors = rpc::LargeArgumentTensors(buffer);
    scanned += tensors.empty() ? 0 : 1;
    grpc::ProtoBufferReader with_reader(&buffer);
    absl::StatusOr<rpc::ParsedCallRequest> with =
        rpc::ParseCallRequest(with_reader, buffer.Length(), tensors);
    grpc::ProtoBufferReader without_reader(&buffer);
    absl::StatusOr<rpc::ParsedCallRequest> without =
        rpc::ParseCallRequest(without_reader, buffer.Length());
    ASSERT_EQ(with.status(), without.status()) << "round " << round;
    if (with.ok()) {
      ++parsed;
      EXPECT_EQ(with->method, without->method) << "round " << round;
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(with->arguments,
                                                                     without->arguments))
          << "round " << round;
    }
  }
  // The damage left many requests scannable, and some whole: both outcomes were compared.
  EXPECT_GT(scanned, 50);
  EXPECT_GT(parsed, 20);
}

TEST_F(ReceivedTensorsTest, ArgumentsAndResultsThroughGrpcLandOnHugePages) {
  CourierServer server;
  // Whether the tensor argument's content was received into advised storage.
  ASSERT_TRUE(server
                  .RegisterMethod("Advised",
                                  [](courier::CallArguments& args)
                                      -> absl::StatusOr<SerializedObject> {
                                    SerializedObject advised;
                                    advised.set_bool_value(AdvisedHugePages(
                                        Middle(args.args(0).tensor_value().tensor_content())));
                                    return advised;
                                  })
                  .ok());
  ASSERT_TRUE(server.RegisterMethod("Patterned", ::lp::testing::ReturnPatterned).ok());
  absl::StatusOr<int> port = server.Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok()) << port.status();
  CourierChannelOptions options;
  options.same_host_tensors = false;  // through gRPC, as between hosts
  std::shared_ptr<CourierChannel> channel =
      CourierChannel::Create(absl::StrCat("127.0.0.1:", *port), options);

  courier::CallArguments args;
  Encode(::lp::testing::PatternedTensor(kLarge, 5), args.add_args());
  absl::StatusOr<SerializedObject> advised =
      channel->Call("Advised", std::move(args), ::lp::testing::Timeout());
  ASSERT_TRUE(advised.ok()) << advised.status();
  EXPECT_TRUE(advised->bool_value());

  absl::StatusOr<SerializedObject> result = channel->Call(
      "Patterned",
      ::lp::testing::Args({::lp::testing::Int(static_cast<int64_t>(kLarge)),
                           ::lp::testing::Int(6)}),
      ::lp::testing::Timeout());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(AdvisedHugePages(Middle(result->tensor_value().tensor_content())));
  absl::StatusOr<Tensor> tensor = DecodeAs<Tensor>(*std::move(result));
  ASSERT_TRUE(tensor.ok()) << tensor.status();
  EXPECT_EQ(*tensor, ::lp::testing::PatternedTensor(kLarge, 6));
  server.Shutdown(absl::Now() + ::lp::testing::kLong);
}

}  // namespace
}  // namespace lp
