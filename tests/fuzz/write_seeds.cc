// Writes the seed corpora of the fuzz targets: valid encodings and calls of every kind the
// targets know, which libFuzzer then mutates. Their output is checked in
// (tests/fuzz/corpus/{decoder,request,reply}/); run again after changing the types or methods:
//
//   build/tests/fuzz/write_seeds tests/fuzz/corpus
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "courier/courier.pb.h"
#include "lp/serialize.h"
#include "lp/serialized_object.h"
#include "tests/fuzz/decode_checks.h"
#include "tests/fuzz/reply_checks.h"
#include "tests/fuzz/request_checks.h"

namespace {

using lp::fuzz::Point;
using lp::fuzz::Record;
using lp::fuzz::SampleRecord;

void Write(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  if (!out) std::cerr << "cannot write " << path << "\n";
}

courier::SerializedObject NestedLists(int depth) {
  courier::SerializedObject root;
  courier::SerializedObject* current = &root;
  for (int i = 0; i < depth; ++i) current = current->mutable_list_value()->add_items();
  current->set_int_value(1);
  return root;
}

std::vector<std::pair<std::string, courier::SerializedObject>> Values() {
  return {
      {"record", lp::Encode(SampleRecord())},
      {"records", lp::Encode(std::vector<Record>{SampleRecord(), Record{}})},
      {"points", lp::Encode(std::vector<Point>{{1, 2}, {-5, 200}})},
      {"tensors", lp::Encode(std::map<std::string, lp::Tensor>{
                      {"a", lp::Tensor(std::vector<bool>{true, false})},
                      {"b", lp::Tensor(lp::DType::kInt64, {3, 2})},
                      {"c", lp::Tensor(std::vector<double>{1.5, -2}, {2, 1})}})},
      {"scores", lp::Encode(std::map<int64_t, std::optional<double>>{{1, 0.5}, {2, {}}})},
      {"tuple", lp::Encode(std::tuple<bool, lp::Unicode, std::array<int16_t, 2>>{
                    false, lp::Unicode("héllo"), {-1, 1}})},
      {"uint64s", lp::Encode(std::optional<std::vector<uint64_t>>{{0, 1, ~uint64_t{0}}})},
      {"int8s", lp::Encode(std::vector<int8_t>{-128, 0, 127})},
      {"bytes", lp::Encode(std::string("bytes\0with nul", 14))},
      {"none", lp::Encode(std::monostate())},
      {"nested", NestedLists(30)},
  };
}

courier::CallRequest Call(const std::string& method, std::vector<courier::SerializedObject> args) {
  courier::CallRequest request;
  request.set_method(method);
  for (auto& arg : args) *request.mutable_arguments()->add_args() = std::move(arg);
  return request;
}

std::vector<std::pair<std::string, std::string>> Requests() {
  using lp::Encode;
  using lp::fuzz::RequestInput;
  courier::CallRequest kwargs = Call("Add", {Encode(int64_t{1})});
  (*kwargs.mutable_arguments()->mutable_kwargs())["b"] = Encode(int64_t{2});
  std::vector<std::pair<std::string, courier::CallRequest>> calls = {
      {"add", Call("Add", {Encode(int64_t{40}), Encode(int32_t{2})})},
      {"concat", Call("Concat", {Encode(std::string("a")), Encode(lp::Unicode("b"))})},
      {"echo_record", Call("EchoRecord", {Encode(SampleRecord())})},
      {"reverse", Call("Reverse", {Encode(std::vector<Point>{{1, 2}, {3, 4}})})},
      {"echo_tensor",
       Call("EchoTensor", {Encode(lp::Tensor(std::vector<float>{1, 2, 3, 4}, {2, 2}))})},
      {"sum_scores",
       Call("SumScores", {Encode(std::map<int64_t, std::optional<double>>{{1, 2.0}})})},
      {"swap", Call("Swap", {Encode(std::tuple<bool, uint64_t>{true, 7})})},
      {"named", Call("Named", {Encode(std::map<std::string, lp::Tensor>{
                                  {"w", lp::Tensor(std::vector<int32_t>{1, 2})}})})},
      {"nothing", Call("Nothing", {})},
      {"throw", Call("Throw", {Encode(3)})},
      {"wrong_type", Call("Add", {Encode(std::string("x")), Encode(2)})},
      {"wrong_arity", Call("Add", {Encode(1)})},
      {"unknown_method", Call("NoSuchMethod", {Encode(1)})},
      {"kwargs", kwargs},
  };
  std::vector<std::pair<std::string, std::string>> inputs;
  for (const auto& [name, request] : calls) {
    inputs.emplace_back(name, RequestInput(0, request.SerializeAsString()));
  }
  inputs.emplace_back("add_without_secret", RequestInput(1, calls[0].second.SerializeAsString()));
  inputs.emplace_back("add_wrong_secret", RequestInput(2, calls[0].second.SerializeAsString()));
  return inputs;
}

// A reply holding each value as its result, and replies shaped as servers may send them
// (no result, an empty one).
std::vector<std::pair<std::string, std::string>> Replies() {
  std::vector<std::pair<std::string, std::string>> replies;
  for (const auto& [name, value] : Values()) {
    courier::CallResponse reply;
    *reply.mutable_result()->mutable_result() = value;
    replies.emplace_back(name, lp::fuzz::ReplyInput(reply.SerializeAsString()));
  }
  replies.emplace_back("no_result",
                       lp::fuzz::ReplyInput(courier::CallResponse().SerializeAsString()));
  courier::CallResponse empty;
  empty.mutable_result();
  replies.emplace_back("empty_result", lp::fuzz::ReplyInput(empty.SerializeAsString()));
  return replies;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: write_seeds <corpus directory, e.g. tests/fuzz/corpus>\n";
    return 64;
  }
  const std::filesystem::path root = argv[1];
  std::filesystem::create_directories(root / "decoder");
  std::filesystem::create_directories(root / "request");
  for (const auto& [name, value] : Values())
    Write(root / "decoder" / name, value.SerializeAsString());
  for (const auto& [name, input] : Requests()) Write(root / "request" / name, input);
  std::filesystem::create_directories(root / "reply");
  for (const auto& [name, reply] : Replies()) Write(root / "reply" / name, reply);
  return 0;
}
