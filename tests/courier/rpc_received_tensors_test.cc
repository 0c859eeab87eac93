// Large tensors received through gRPC are read into storage on huge pages wherever they
// are in the message (src/courier/rpc/received_tensors.h). lp reads the objects of a large
// message itself, so what it reads must be what protobuf's own parse gives, whatever the
// bytes are: checked against protobuf on requests and replies built by hand, as a
// confused or hostile peer could send them, and on damaged ones. End to end over real
// sockets, to a server in this process with the same-host path off, as between hosts.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/wire_format_lite.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/proto_buffer_reader.h>
#include <grpcpp/support/slice.h>
#include <gtest/gtest.h>
#include <malloc.h>

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
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
using google::protobuf::util::MessageDifferencer;
using ::lp::testing::AdvisedHugePages;
using ::lp::testing::Middle;

constexpr size_t kLarge = size_t{4} << 20;  // the size from which storage is advised

class ReceivedTensorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!::lp::testing::KernelHasHugePages()) {
      GTEST_SKIP() << "this kernel has no transparent huge pages: nothing is advised";
    }
    // Every buffer of 1 MiB or more a mapping of its own, which the check of the advice
    // sees alone: by default glibc would serve later ones from heap memory that advised
    // buffers freed, and the check would pass for storage nobody advised.
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
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

// Field `number` holding the number `value`, as a varint.
std::string VarintField(int number, uint64_t value) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.WriteTag(WireFormatLite::MakeTag(number, WireFormatLite::WIRETYPE_VARINT));
    coded.WriteVarint64(value);
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

// The bytes of a list (or tuple), or a dict, of the objects whose bytes are given.
std::string ListBytes(const std::vector<std::string>& items, bool tuple = false) {
  std::string list;
  for (const std::string& item : items) {
    list += Field(courier::SerializedList::kItemsFieldNumber, item);
  }
  if (tuple) list += VarintField(courier::SerializedList::kIsTupleFieldNumber, 1);
  return Field(SerializedObject::kListValueFieldNumber, list);
}
std::string DictBytes(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string dict;
  for (const auto& [key, value] : entries) {
    SerializedObject key_object;
    key_object.set_unicode_value(key);
    dict += Field(courier::SerializedDict::kKeysFieldNumber, key_object.SerializeAsString()) +
            Field(courier::SerializedDict::kValuesFieldNumber, value);
  }
  return Field(SerializedObject::kDictValueFieldNumber, dict);
}

// A CallRequest's bytes: method "M", one `arguments` field per list of args' bytes, and
// keyword arguments (name, object's bytes) in a last `arguments` field.
std::string RequestBytes(const std::vector<std::vector<std::string>>& arguments_fields,
                         const std::vector<std::pair<std::string, std::string>>& kwargs = {}) {
  std::string request = Field(courier::CallRequest::kMethodFieldNumber, "M");
  for (const std::vector<std::string>& args : arguments_fields) {
    std::string arguments;
    for (const std::string& arg : args) {
      arguments += Field(courier::CallArguments::kArgsFieldNumber, arg);
    }
    request += Field(courier::CallRequest::kArgumentsFieldNumber, arguments);
  }
  if (!kwargs.empty()) {
    std::string arguments;
    for (const auto& [name, value] : kwargs) {
      arguments += Field(courier::CallArguments::kKwargsFieldNumber,
                         Field(1, name) + Field(2, value));
    }
    request += Field(courier::CallRequest::kArgumentsFieldNumber, arguments);
  }
  return request;
}

// Every tensor content of `object`, at any depth.
void CollectContents(const SerializedObject& object, std::vector<const std::string*>& out) {
  if (object.has_tensor_value()) out.push_back(&object.tensor_value().tensor_content());
  for (const SerializedObject& item : object.list_value().items()) CollectContents(item, out);
  for (const SerializedObject& key : object.dict_value().keys()) CollectContents(key, out);
  for (const SerializedObject& value : object.dict_value().values()) CollectContents(value, out);
}

// How many tensors of `arguments` are large, and how many of those are on huge pages.
std::pair<int, int> LargeAndAdvised(const courier::CallArguments& arguments) {
  std::vector<const std::string*> contents;
  for (const SerializedObject& arg : arguments.args()) CollectContents(arg, contents);
  for (const auto& [name, value] : arguments.kwargs()) CollectContents(value, contents);
  std::pair<int, int> counts;
  for (const std::string* content : contents) {
    if (content->size() < kLarge) continue;
    ++counts.first;
    if (AdvisedHugePages(Middle(*content))) ++counts.second;
  }
  return counts;
}

// The request's arguments read by hand (by default every part of them, however small)
// or by protobuf.
absl::StatusOr<rpc::ParsedCallRequest> Parse(grpc::ByteBuffer& buffer, bool huge_pages,
                                             size_t by_hand_from = 0) {
  grpc::ProtoBufferReader reader(&buffer);
  return rpc::ParseCallRequest(reader, buffer.Length(), huge_pages, by_hand_from);
}

TEST_F(ReceivedTensorsTest, OnlyMessagesOfAQuarterMebibyteOrMoreAreReadByHand) {
  EXPECT_TRUE(rpc::ReadsObjectsByHand(BufferOf(RequestBytes({{TensorBytes(kLarge)}}))));
  EXPECT_TRUE(rpc::ReadsObjectsByHand(
      BufferOf(RequestBytes({{TensorBytes(rpc::kMinBytesReadByHand)}}))));
  EXPECT_FALSE(rpc::ReadsObjectsByHand(
      BufferOf(RequestBytes({{TensorBytes(rpc::kMinBytesReadByHand - 4096)}}))));
}

TEST_F(ReceivedTensorsTest, RequestsParseAsProtobufParsesThem) {
  struct Case {
    std::string name;
    std::string bytes;
    int large_tensors;  // how many large tensors the request holds once parsed
  };
  // A second tensor_value merges into the first: content from the first, dtype from both.
  SerializedObject no_content;
  no_content.mutable_tensor_value()->set_dtype(tensorflow::DT_FLOAT);
  no_content.mutable_tensor_value()->mutable_tensor_shape()->add_dim()->set_size(
      static_cast<int64_t>(kLarge / sizeof(float)));
  const std::string request = RequestBytes({{TensorBytes(kLarge), IntBytes(2)}});
  const std::string nested = RequestBytes(
      {{ListBytes({IntBytes(1), TensorBytes(kLarge, 2)}, /*tuple=*/true),
        DictBytes({{"w", TensorBytes(kLarge, 3)}, {"b", TensorBytes(1024, 4)}})}},
      {{"params",
        DictBytes({{"layers", ListBytes({TensorBytes(kLarge, 5),
                                         DictBytes({{"w", TensorBytes(kLarge, 6)}})})}})}});
  const std::vector<Case> cases = {
      {"a tensor and an int", request, 1},
      {"a tensor, then an int in the same argument",
       RequestBytes({{TensorBytes(kLarge) + IntBytes(7)}}), 0},
      {"an int, then a tensor in the same argument",
       RequestBytes({{IntBytes(7) + TensorBytes(kLarge)}}), 1},
      {"a tensor merged with one without content",
       RequestBytes({{TensorBytes(kLarge) + no_content.SerializeAsString()}}), 1},
      {"two tensors, the second replacing the first's content",
       RequestBytes({{TensorBytes(kLarge, 1) + TensorBytes(kLarge + 4096, 2)}}), 1},
      {"two arguments fields", RequestBytes({{IntBytes(1)}, {TensorBytes(kLarge)}}), 1},
      {"an empty argument before a tensor", RequestBytes({{"", TensorBytes(kLarge)}}), 1},
      {"tensors in lists and dicts, and in a keyword argument", nested, 4},
      {"a list merged with a list", RequestBytes({{ListBytes({TensorBytes(kLarge, 1)}) +
                                                   ListBytes({TensorBytes(kLarge, 2)})}}), 2},
      {"a tensor replaced by a list", RequestBytes({{TensorBytes(kLarge) + ListBytes({})}}), 0},
      // Field numbers of a list, a dict and a tensor with another wire type are not those
      // fields: protobuf keeps them as unknown fields.
      {"unknown fields and wrong wire types",
       RequestBytes({{VarintField(SerializedObject::kListValueFieldNumber, 3) +
                      VarintField(50, 1) + TensorBytes(kLarge) +
                      VarintField(SerializedObject::kTensorValueFieldNumber, 4)}}), 1},
      {"a long string and a long list of small values beside a tensor",
       RequestBytes({{TensorBytes(kLarge), Field(SerializedObject::kStringValueFieldNumber,
                                                 std::string(kLarge, 's')),
                      ListBytes(std::vector<std::string>(300000, IntBytes(-3)))}}), 1},
      {"cut short", request.substr(0, request.size() - 1), 0},
      {"a length past the end", request.substr(0, request.size() / 2), 0},
      {"nested, cut short", nested.substr(0, nested.size() - 3), 0},
  };
  // Every part by hand; parts under 64 bytes copied and merged by protobuf in runs, the
  // rest by hand; and as the server reads (parts too small for a tensor of lp's own
  // storage by protobuf).
  for (const size_t by_hand_from : {size_t{0}, size_t{64}, rpc::kMinBytesReadByHand}) {
    for (const Case& c : cases) {
      SCOPED_TRACE(absl::StrCat(c.name, ", by hand from ", by_hand_from, " bytes"));
      grpc::ByteBuffer buffer = BufferOf(c.bytes);
      absl::StatusOr<rpc::ParsedCallRequest> parsed =
          Parse(buffer, /*huge_pages=*/true, by_hand_from);

      courier::CallRequest expected;
      if (!expected.ParseFromString(c.bytes)) {
        EXPECT_FALSE(parsed.ok());
        continue;
      }
      ASSERT_TRUE(parsed.ok()) << parsed.status();
      EXPECT_TRUE(MessageDifferencer::Equals(parsed->arguments, expected.arguments()));
      EXPECT_EQ(LargeAndAdvised(parsed->arguments),
                std::make_pair(c.large_tensors, c.large_tensors));
    }
  }
}

// `value` as a varint of exactly `width` bytes (1 to 10), padded with continuation bytes
// as a careless or hostile writer may. Bits of `value` that `width` bytes cannot hold are
// dropped; a fifth byte holds bits 28 to 34, past what 32 bits can hold.
std::string VarintOfWidth(uint64_t value, int width) {
  std::string out;
  for (int i = 0; i < width; ++i) {
    uint8_t byte = value & 0x7f;
    value >>= 7;
    if (i + 1 < width) byte |= 0x80;
    out.push_back(static_cast<char>(byte));
  }
  return out;
}

// How a field's tag and length are written: the tag in `tag_width` bytes, then `length`.
struct Encoding {
  std::string what;
  int tag_width;
  std::string length;
};

// Field `number`, length-delimited, holding `bytes`, its tag and length as `encoding` says.
std::string FieldWritten(const Encoding& encoding, int number, const std::string& bytes) {
  return VarintOfWidth(WireFormatLite::MakeTag(number, WireFormatLite::WIRETYPE_LENGTH_DELIMITED),
                       encoding.tag_width) +
         encoding.length + bytes;
}

// Reads the request `bytes` every way the server may (its objects by protobuf; every part
// by hand; parts under 2 bytes copied and merged by protobuf) and expects each reading to
// agree with protobuf's parse of the whole CallRequest: the same method, arguments and
// memories, or a failure. Returns whether protobuf parses it.
bool ExpectReadAsProtobufReadsIt(const std::string& bytes, const std::string& what) {
  courier::CallRequest expected;
  const bool parses = expected.ParseFromString(bytes);
  for (const auto& [by_hand, by_hand_from] :
       {std::pair{false, size_t{0}}, {true, size_t{0}}, {true, size_t{2}}}) {
    SCOPED_TRACE(absl::StrCat(what, by_hand ? ", by hand from " : ", objects by protobuf",
                              by_hand ? absl::StrCat(by_hand_from, " bytes") : ""));
    grpc::ByteBuffer buffer = BufferOf(bytes);
    absl::StatusOr<rpc::ParsedCallRequest> parsed = Parse(buffer, by_hand, by_hand_from);
    EXPECT_EQ(parsed.ok(), parses) << parsed.status();
    if (parsed.ok() && parses) {
      EXPECT_EQ(parsed->method, expected.method());
      EXPECT_TRUE(MessageDifferencer::Equals(parsed->arguments, expected.arguments()));
      EXPECT_EQ(parsed->shared_memory.has_value(), expected.has_shared_memory());
      if (parsed->shared_memory.has_value()) {
        EXPECT_TRUE(MessageDifferencer::Equals(*parsed->shared_memory, expected.shared_memory()));
      }
      EXPECT_EQ(parsed->result_memory.has_value(), expected.has_result_memory());
      if (parsed->result_memory.has_value()) {
        EXPECT_TRUE(MessageDifferencer::Equals(*parsed->result_memory, expected.result_memory()));
      }
    }
  }
  return parses;
}

// Every way to write a tag or a length that the request fuzzer found the hand reader
// reading differently from protobuf's parser, and their neighbours, in every kind of
// place one is read: protobuf's parser refuses a tag or a length of more than 5 bytes,
// and a length of 2 GiB or more (a fifth byte of 8 or more), where CodedInputStream reads
// up to 10 bytes and keeps the low 32 bits. Not a fixture's test: it needs no huge pages.
TEST(HandReaderTest, TagsAndLengthsWrittenInEveryWidthReadAsProtobufReadsThem) {
  const std::string content = "abc";
  ASSERT_EQ(IntBytes(200).size(), content.size());  // an argument of the same length
  std::vector<Encoding> encodings;
  for (int width = 1; width <= 10; ++width) {
    encodings.push_back({absl::StrCat("a tag of ", width, " bytes"), width,
                         VarintOfWidth(content.size(), 1)});
    encodings.push_back({absl::StrCat("a length of ", width, " bytes"), 1,
                         VarintOfWidth(content.size(), width)});
  }
  for (const uint64_t high : {uint64_t{1}, uint64_t{7}, uint64_t{8}, uint64_t{0x10},
                              uint64_t{0x70}, uint64_t{0x7f}}) {
    encodings.push_back({absl::StrCat("a length of 5 bytes, the fifth ", high), 1,
                         VarintOfWidth(content.size() + (high << 28), 5)});
  }
  // The places: a bytes field of an argument, a tensor (a message) in one, the content of
  // that tensor, fields the reader skips (numbered 0, which protobuf refuses, or unknown),
  // and the argument itself.
  constexpr int kTensorContent = 4;  // tensorflow.TensorProto.tensor_content
  constexpr int kUnknown = 1000;
  const std::vector<std::pair<std::string, std::function<std::string(const Encoding&)>>>
      places = {
          {"a string argument",
           [&](const Encoding& encoding) {
             return RequestBytes(
                 {{FieldWritten(encoding, SerializedObject::kStringValueFieldNumber, content)}});
           }},
          {"a tensor argument",
           [&](const Encoding& encoding) {
             return RequestBytes(
                 {{FieldWritten(encoding, SerializedObject::kTensorValueFieldNumber, content)}});
           }},
          {"a tensor's content",
           [&](const Encoding& encoding) {
             const std::string tensor = FieldWritten(encoding, kTensorContent, content);
             return RequestBytes({{Field(SerializedObject::kTensorValueFieldNumber, tensor)}});
           }},
          {"an unknown field of an argument",
           [&](const Encoding& encoding) {
             return RequestBytes({{FieldWritten(encoding, kUnknown, content) + IntBytes(5)}});
           }},
          {"a field numbered 0 in an argument",
           [&](const Encoding& encoding) {
             return RequestBytes({{IntBytes(5) + FieldWritten(encoding, 0, content)}});
           }},
          {"an unknown field of the request",
           [&](const Encoding& encoding) {
             return RequestBytes({{IntBytes(5)}}) + FieldWritten(encoding, kUnknown, content);
           }},
          {"a field numbered 0 in the request",
           [&](const Encoding& encoding) {
             return RequestBytes({{IntBytes(5)}}) + FieldWritten(encoding, 0, content);
           }},
          {"an argument",
           [&](const Encoding& encoding) {
             const std::string arguments =
                 FieldWritten(encoding, courier::CallArguments::kArgsFieldNumber, IntBytes(200));
             return Field(courier::CallRequest::kMethodFieldNumber, "M") +
                    Field(courier::CallRequest::kArgumentsFieldNumber, arguments);
           }},
      };
  int accepted = 0;
  int refused = 0;
  for (const auto& [place, request_with] : places) {
    for (const Encoding& encoding : encodings) {
      const bool parses = ExpectReadAsProtobufReadsIt(request_with(encoding),
                                                      absl::StrCat(encoding.what, " in ", place));
      (parses ? accepted : refused)++;
    }
  }
  // Both outcomes were compared: tags and lengths of up to 5 bytes (under 2 GiB) are read.
  EXPECT_GT(accepted, 10);
  EXPECT_GT(refused, 10);
}

// Groups of unknown fields nested up to protobuf's recursion limit and past it, in each
// place of a request: lp's reading counts the arguments, a keyword argument's entry and an
// argument's object as levels, as protobuf's parse of the whole CallRequest does, so both
// refuse from the same depth. (Before, lp allowed two or three levels more: the fuzzer
// cannot see that, as it compares two readings of lp's that shared the mistake.)
TEST(HandReaderTest, NestingIsRefusedFromTheDepthProtobufRefusesIt) {
  auto group = [](int number, const std::string& inner) {
    return VarintOfWidth(WireFormatLite::MakeTag(number, WireFormatLite::WIRETYPE_START_GROUP),
                         2) +
           inner +
           VarintOfWidth(WireFormatLite::MakeTag(number, WireFormatLite::WIRETYPE_END_GROUP), 2);
  };
  int accepted = 0;
  int refused = 0;
  for (int depth = 94; depth <= 102; ++depth) {
    std::string nested = VarintField(7, 1);
    for (int i = 0; i < depth; ++i) nested = group(1000 + i % 3, nested);
    const std::vector<std::pair<std::string, std::string>> requests = {
        {"an argument", RequestBytes({{nested + IntBytes(5)}})},
        {"an item of a list argument", RequestBytes({{ListBytes({nested + IntBytes(5)})}})},
        {"a keyword argument", RequestBytes({}, {{"kw", nested + IntBytes(5)}})},
        {"the request", RequestBytes({{IntBytes(5)}}) + nested},
    };
    for (const auto& [place, bytes] : requests) {
      const bool parses =
          ExpectReadAsProtobufReadsIt(bytes, absl::StrCat("groups ", depth, " deep in ", place));
      (parses ? accepted : refused)++;
    }
  }
  EXPECT_GT(accepted, 4);
  EXPECT_GT(refused, 4);
}

// A field of the request that comes twice: protobuf keeps the last of a bytes field and of
// a keyword argument's name, and merges the parts of a message. Whoever writes requests
// may split them so; lp read a second shared or result memory as replacing the first
// until the request fuzzer compared its reading with protobuf's of the whole request.
TEST(HandReaderTest, FieldsThatComeTwiceAreKeptOrMergedAsProtobufDoes) {
  auto memory = [](const std::string& host, int fd) {
    courier::SharedMemory memory;
    if (!host.empty()) memory.set_host(host);
    if (fd != 0) memory.set_fd(fd);
    return memory.SerializeAsString();
  };
  const std::string one_arg = RequestBytes({{IntBytes(1)}});
  const std::vector<std::pair<std::string, std::string>> requests = {
      {"the method", one_arg + Field(courier::CallRequest::kMethodFieldNumber, "N")},
      {"the arguments", RequestBytes({{IntBytes(1)}, {IntBytes(2), IntBytes(3)}})},
      {"a keyword argument's name", RequestBytes({}, {{"a", IntBytes(1)}, {"a", IntBytes(2)}})},
      {"a keyword argument's value",
       RequestBytes({{IntBytes(1)}}) +
           Field(courier::CallRequest::kArgumentsFieldNumber,
                 Field(courier::CallArguments::kKwargsFieldNumber,
                       Field(1, "a") + Field(2, DictBytes({{"x", IntBytes(1)}})) +
                           Field(2, DictBytes({{"y", IntBytes(2)}}))))},
      {"the shared memory",
       one_arg + Field(courier::CallRequest::kSharedMemoryFieldNumber, memory("h", 0)) +
           Field(courier::CallRequest::kSharedMemoryFieldNumber, memory("", 7))},
      {"the result memory",
       one_arg + Field(courier::CallRequest::kResultMemoryFieldNumber, memory("", 7)) +
           Field(courier::CallRequest::kResultMemoryFieldNumber, memory("h", 0))},
  };
  for (const auto& [what, bytes] : requests) {
    EXPECT_TRUE(ExpectReadAsProtobufReadsIt(bytes, absl::StrCat(what, ", twice")));
  }
}

// Requests whose structure (everything but the tensors' contents) was changed at random
// (a fixed seed), or that were cut short, parse exactly as protobuf's parse of their
// arguments does: to the same arguments or the same error. One tensor is large, so that
// its storage is prepared; the others are small, to keep the test fast, and are read by
// hand all the same.
TEST_F(ReceivedTensorsTest, DamagedRequestsParseAsWithProtobufsParse) {
  // Nothing here checks the advice: buffers may come from the heap again (fast).
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  const size_t tensor_bytes = size_t{64} << 10;
  const std::string request = RequestBytes(
      {{IntBytes(1), TensorBytes(kLarge)},
       {ListBytes({IntBytes(2), TensorBytes(tensor_bytes + 4096, 2), ListBytes({IntBytes(3)})},
                  /*tuple=*/true),
        DictBytes({{"w", TensorBytes(tensor_bytes, 3)}, {"b", TensorBytes(512, 4)}})}},
      {{"kw", ListBytes({TensorBytes(tensor_bytes, 5)})}});
  // Where the structure is: every byte outside the large contents.
  std::vector<size_t> structure;
  {
    // The large tensors, in the order they are written (a pattern shifted by its seed
    // also occurs inside the tensors before it).
    std::vector<std::pair<size_t, size_t>> contents;
    for (const auto& [seed, bytes] : {std::pair{1, kLarge}, {2, tensor_bytes + 4096},
                                     {3, tensor_bytes}, {5, tensor_bytes}}) {
      const std::string content = ::lp::testing::PatternedTensor(64, seed).bytes();
      const size_t begin = request.find(content, contents.empty() ? 0 : contents.back().second);
      ASSERT_NE(begin, std::string::npos);
      contents.emplace_back(begin, begin + bytes);
    }
    for (size_t i = 0; i < request.size(); ++i) {
      bool in_content = false;
      for (const auto& [begin, end] : contents) in_content = in_content || (i >= begin && i < end);
      if (!in_content) structure.push_back(i);
    }
  }
  std::mt19937 random(37);
  int parsed = 0;
  int failed = 0;
  for (int round = 0; round < 300; ++round) {
    std::string damaged = request;
    if (round % 4 == 3) {
      damaged.resize(random() % request.size());
    } else {
      for (int change = 0; change <= round % 3; ++change) {
        damaged[structure[random() % structure.size()]] = static_cast<char>(random());
      }
    }
    grpc::ByteBuffer buffer = BufferOf(damaged);
    // Every part by hand, or parts under 64 bytes merged by protobuf in runs.
    absl::StatusOr<rpc::ParsedCallRequest> by_hand =
        Parse(buffer, /*huge_pages=*/true, round % 2 == 0 ? 0 : 64);
    absl::StatusOr<rpc::ParsedCallRequest> by_protobuf = Parse(buffer, /*huge_pages=*/false);
    ASSERT_EQ(by_hand.ok(), by_protobuf.ok()) << "round " << round << ": " << by_hand.status()
                                              << " / " << by_protobuf.status();
    if (!by_hand.ok()) {
      ++failed;
      continue;
    }
    ++parsed;
    EXPECT_EQ(by_hand->method, by_protobuf->method) << "round " << round;
    EXPECT_TRUE(MessageDifferencer::Equals(by_hand->arguments, by_protobuf->arguments))
        << "round " << round;
  }
  // Both outcomes were compared, many times.
  EXPECT_GT(parsed, 50);
  EXPECT_GT(failed, 50);
}

TEST_F(ReceivedTensorsTest, RepliesParseAsProtobufParsesThem) {
  const std::string result = DictBytes(
      {{"w", TensorBytes(kLarge, 1)},
       {"layers", ListBytes({TensorBytes(kLarge, 2), IntBytes(3)})}});
  const std::string reply = Field(courier::CallResponse::kResultFieldNumber,
                                  Field(courier::CallResult::kResultFieldNumber, result));
  const std::string small = Field(courier::CallResponse::kResultFieldNumber,
                                  Field(courier::CallResult::kResultFieldNumber, IntBytes(42)));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a dict of tensors", reply},
      {"a reply merged with another", reply + Field(courier::CallResponse::kResultFieldNumber,
                                                    Field(courier::CallResult::kResultFieldNumber,
                                                          TensorBytes(kLarge, 4)))},
      {"an unknown field", VarintField(7, 1) + reply},
      {"a small reply", small},
      {"a small reply with unknown fields",
       VarintField(7, 1) + Field(courier::CallResponse::kResultFieldNumber,
                                 VarintField(9, 2) + Field(courier::CallResult::kResultFieldNumber,
                                                           IntBytes(5)))},
      {"a small reply cut short", small.substr(0, small.size() - 1)},
      {"cut short", reply.substr(0, reply.size() - 2)},
      {"a length past the end", reply.substr(0, reply.size() / 2)},
  };
  for (const auto& [name, bytes] : cases) {
    SCOPED_TRACE(name);
    grpc::ByteBuffer buffer = BufferOf(bytes);
    courier::SerializedObject by_hand;
    const bool read = rpc::ReadResult(buffer, by_hand);
    courier::CallResponse expected;
    ASSERT_EQ(read, expected.ParseFromString(bytes));
    if (!read) continue;
    EXPECT_TRUE(MessageDifferencer::Equals(by_hand, expected.result().result()));
    std::vector<const std::string*> contents;
    CollectContents(by_hand, contents);
    for (const std::string* content : contents) {
      EXPECT_TRUE(AdvisedHugePages(Middle(*content)));
    }
  }
}

// The RL shape: an actor on another host sends its observations as a list and fetches
// the learner's parameters, a dict of tensors (a struct declared with LP_SERIALIZABLE is
// one too).
TEST_F(ReceivedTensorsTest, ArgumentsAndResultsThroughGrpcLandOnHugePages) {
  CourierServer server;
  // How many of the arguments' large tensors were received into advised storage.
  ASSERT_TRUE(server
                  .RegisterMethod("Advised",
                                  [](courier::CallArguments& args)
                                      -> absl::StatusOr<SerializedObject> {
                                    const auto [large, advised] = LargeAndAdvised(args);
                                    SerializedObject count;
                                    count.set_int_value(large == 3 ? advised : -large);
                                    return count;
                                  })
                  .ok());
  ASSERT_TRUE(server.RegisterMethod("Patterned", ::lp::testing::ReturnPatterned).ok());
  ASSERT_TRUE(server
                  .RegisterMethod("Parameters",
                                  [](courier::CallArguments&) -> absl::StatusOr<SerializedObject> {
                                    std::map<std::string, Tensor> parameters = {
                                        {"policy", ::lp::testing::PatternedTensor(kLarge, 7)},
                                        {"value", ::lp::testing::PatternedTensor(kLarge, 8)}};
                                    SerializedObject encoded;
                                    Encode(parameters, &encoded);
                                    return encoded;
                                  })
                  .ok());
  absl::StatusOr<int> port = server.Start("127.0.0.1:0");
  ASSERT_TRUE(port.ok()) << port.status();
  CourierChannelOptions options;
  options.same_host_tensors = false;  // through gRPC, as between hosts
  std::shared_ptr<CourierChannel> channel =
      CourierChannel::Create(absl::StrCat("127.0.0.1:", *port), options);

  courier::CallArguments args;
  Encode(::lp::testing::PatternedTensor(kLarge, 5), args.add_args());
  Encode(std::vector<Tensor>{::lp::testing::PatternedTensor(kLarge, 6)}, args.add_args());
  Encode(std::map<std::string, Tensor>{{"obs", ::lp::testing::PatternedTensor(kLarge, 9)}},
         args.add_args());
  absl::StatusOr<SerializedObject> advised =
      channel->Call("Advised", std::move(args), ::lp::testing::Timeout());
  ASSERT_TRUE(advised.ok()) << advised.status();
  EXPECT_EQ(advised->int_value(), 3);

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

  absl::StatusOr<SerializedObject> parameters =
      channel->Call("Parameters", courier::CallArguments(), ::lp::testing::Timeout());
  ASSERT_TRUE(parameters.ok()) << parameters.status();
  std::vector<const std::string*> contents;
  CollectContents(*parameters, contents);
  ASSERT_EQ(contents.size(), 2u);
  for (const std::string* content : contents) EXPECT_TRUE(AdvisedHugePages(Middle(*content)));
  absl::StatusOr<std::map<std::string, Tensor>> decoded =
      DecodeAs<std::map<std::string, Tensor>>(*std::move(parameters));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->at("policy"), ::lp::testing::PatternedTensor(kLarge, 7));
  EXPECT_EQ(decoded->at("value"), ::lp::testing::PatternedTensor(kLarge, 8));
  server.Shutdown(absl::Now() + ::lp::testing::kLong);
}

}  // namespace
}  // namespace lp
