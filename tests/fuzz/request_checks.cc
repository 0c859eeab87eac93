#include "tests/fuzz/request_checks.h"

#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/proto_buffer_reader.h>
#include <grpcpp/test/server_context_test_spouse.h>

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "courier/courier.pb.h"
#include "lp/internal/courier_dispatch.h"
#include "src/courier/rpc/call_request.h"
#include "src/courier/rpc/courier_service.h"
#include "src/courier/rpc/grpc_status.h"
#include "src/courier/rpc/method_registry.h"
#include "src/courier/rpc/secret.h"
#include "tests/fuzz/call_request_as_bytes.pb.h"
#include "tests/fuzz/decode_checks.h"
#include "tests/fuzz/same_values.h"
#include "tests/fuzz/sliced_buffer.h"

namespace lp::fuzz {

// Notes that `method` runs, and whether in the scope of an inline call (defined below).
void NoteRun(std::string_view method);

// The node's methods: every parameter kind the decoder has, and each outcome a method can
// have (a value, void, an exception). Two are registered to run inline (kInlineMethods).
class Target {
 public:
  int64_t Add(int64_t a, int32_t b) {
    NoteRun("Add");
    return a + b;
  }
  std::string Concat(const std::string& a, const lp::Unicode& b) {
    NoteRun("Concat");
    return a + b.text;
  }
  Record EchoRecord(Record r) {
    NoteRun("EchoRecord");
    return r;
  }
  std::vector<Point> Reverse(std::vector<Point> points) {
    NoteRun("Reverse");
    return {points.rbegin(), points.rend()};
  }
  lp::Tensor EchoTensor(lp::Tensor t) {
    NoteRun("EchoTensor");
    return t;
  }
  double SumScores(const std::map<int64_t, std::optional<double>>& scores) {
    NoteRun("SumScores");
    double sum = 0;
    for (const auto& [key, value] : scores) sum += value.value_or(0);
    return sum;
  }
  std::tuple<uint64_t, bool> Swap(std::tuple<bool, uint64_t> t) {
    NoteRun("Swap");
    return {std::get<1>(t), std::get<0>(t)};
  }
  std::map<std::string, lp::Tensor> Named(std::map<std::string, lp::Tensor> tensors) {
    NoteRun("Named");
    return tensors;
  }
  void Nothing() { NoteRun("Nothing"); }
  int Throw(int n) {
    NoteRun("Throw");
    if (n % 2 != 0) throw std::runtime_error("odd");
    return n;
  }
};
LP_COURIER_METHODS(Target, Add, Concat, EchoRecord, Reverse, EchoTensor, SumScores, Swap, Named,
                   Nothing, Throw);

namespace {

constexpr char kSecret[] = "fuzz-secret-0123456789abcdef0123456789";

// The methods registered with run_inline, served on arrival as a server serves them.
bool IsInlineMethod(std::string_view method) { return method == "Add" || method == "Nothing"; }

// The registry the node's server would have: the handlers RegisterCourierMethods makes.
rpc::MethodRegistry& Registry() {
  static Target target;
  static rpc::MethodRegistry* registry = [] {
    auto* made = new rpc::MethodRegistry;
    static constexpr auto kTable = internal::CourierMethodsOf<Target>();
    std::apply(
        [&](const auto&... entry) {
          (void(made->Add(entry.name,
                          internal::MakeCourierHandler(&target, entry.name, entry.pointer),
                          {.run_inline = IsInlineMethod(entry.name)})),
           ...);
        },
        kTable.entries);
    return made;
  }();
  return *registry;
}

rpc::CourierServiceImpl& Service() {
  static rpc::CourierServiceImpl* service = [] {
    auto* made = new rpc::CourierServiceImpl(Registry(), /*max_send_message_bytes=*/-1);
    made->RequireSecret(kSecret, "node fuzz/0");
    return made;
  }();
  return *service;
}

// The method the call being checked ran, if any, and whether it ran in the scope of an
// inline call.
struct Run {
  std::string method;
  bool inline_scope = false;
};
std::optional<Run> last_run;

bool AllowedFailure(grpc::StatusCode code) {
  return code == grpc::StatusCode::NOT_FOUND || code == grpc::StatusCode::INVALID_ARGUMENT ||
         code == grpc::StatusCode::UNKNOWN || code == grpc::StatusCode::RESOURCE_EXHAUSTED;
}

// One reading of `request` by hand, every part of `by_hand_from` bytes or more (smaller
// fields are copied and merged by protobuf in runs, Reader::LargeFields), against
// protobuf's: "" when they agree, else how they differ.
std::string CompareReadings(grpc::ByteBuffer& request, size_t by_hand_from) {
  grpc::ProtoBufferReader by_hand_stream(&request);
  absl::StatusOr<rpc::ParsedCallRequest> by_hand =
      rpc::ParseCallRequest(by_hand_stream, request.Length(), /*objects_by_hand=*/true,
                            by_hand_from);
  grpc::ProtoBufferReader by_protobuf_stream(&request);
  absl::StatusOr<rpc::ParsedCallRequest> by_protobuf =
      rpc::ParseCallRequest(by_protobuf_stream, request.Length());
  if (by_hand.ok() != by_protobuf.ok()) {
    return absl::StrCat("read by hand: ", by_hand.status().ToString(),
                        "; by protobuf: ", by_protobuf.status().ToString());
  }
  if (!by_hand.ok()) return "";
  if (!SameMessages(by_hand->arguments, by_protobuf->arguments)) {
    return "the arguments read by hand differ from protobuf's";
  }
  return "";
}

// The request `request` read by protobuf whole (as a CallRequestAsBytes, so that its names
// are not checked for UTF-8), turned into what ParseCallRequest returns: a map's entries
// as protobuf's map keeps them, the last of a key's entries winning.
std::optional<rpc::ParsedCallRequest> ReadWholeByProtobuf(grpc::ByteBuffer& request) {
  grpc::ProtoBufferReader stream(&request);
  CallRequestAsBytes whole;
  if (!whole.ParseFromZeroCopyStream(&stream)) return std::nullopt;
  rpc::ParsedCallRequest read;
  read.method = whole.method();
  *read.arguments.mutable_args() = whole.arguments().args();
  for (const KwargAsBytes& kwarg : whole.arguments().kwargs()) {
    (*read.arguments.mutable_kwargs())[kwarg.key()] = kwarg.value();
  }
  if (whole.has_shared_memory()) read.shared_memory = whole.shared_memory();
  if (whole.has_result_memory()) read.result_memory = whole.result_memory();
  return read;
}

// ParseCallRequest reads a request's envelope by hand, with protobuf's rules: it must
// accept and refuse the bytes that protobuf's parse of the whole request does (but for
// the UTF-8 check of names), and read the same request from them. Its objects are read
// by protobuf here; CompareReadings holds the readings by hand to this one.
std::string CompareWithWholeParse(grpc::ByteBuffer& request) {
  std::optional<rpc::ParsedCallRequest> whole = ReadWholeByProtobuf(request);
  grpc::ProtoBufferReader stream(&request);
  absl::StatusOr<rpc::ParsedCallRequest> by_lp = rpc::ParseCallRequest(stream, request.Length());
  if (by_lp.ok() != whole.has_value()) {
    return absl::StrCat("ParseCallRequest: ", by_lp.status().ToString(), "; protobuf's parse of ",
                        "the whole request ", whole.has_value() ? "accepts it" : "refuses it");
  }
  if (!by_lp.ok()) return "";
  if (by_lp->method != whole->method) return "the method read differs from protobuf's";
  if (!SameValues(by_lp->arguments, whole->arguments)) {
    return "the arguments read differ from protobuf's parse of the whole request";
  }
  for (auto [lp_memory, protobuf_memory] :
       {std::pair(&by_lp->shared_memory, &whole->shared_memory),
        std::pair(&by_lp->result_memory, &whole->result_memory)}) {
    if (lp_memory->has_value() != protobuf_memory->has_value() ||
        (lp_memory->has_value() && !SameValues(**lp_memory, **protobuf_memory))) {
      return "the shared or result memory read differs from protobuf's";
    }
  }
  return "";
}

// The server reads a large request's objects by hand (received_tensors.h), and a small
// one with protobuf: both readings of any bytes must agree, whatever their size. By hand
// twice: every part, and parts of 16 bytes or more.
std::string CompareReadings(grpc::ByteBuffer& request) {
  for (const size_t by_hand_from : {size_t{0}, size_t{16}}) {
    if (std::string differ = CompareReadings(request, by_hand_from); !differ.empty()) {
      return absl::StrCat(differ, " (by hand from ", by_hand_from, " bytes)");
    }
  }
  return "";
}

}  // namespace

void NoteRun(std::string_view method) {
  last_run = Run{std::string(method), Service().InInlineHandler()};
}

std::string RequestInput(int secret_choice, const std::string& request) {
  return std::string(1, static_cast<char>(secret_choice)) + request;
}

std::string CheckRequest(std::string_view input) {
  if (input.empty()) return "";
  const int secret_choice = static_cast<unsigned char>(input[0]) & 3;
  const size_t slice_bytes = static_cast<unsigned char>(input[0]) >> 2;
  input.remove_prefix(1);

  grpc::ServerContext context;
  grpc::testing::ServerContextTestSpouse spouse(&context);
  switch (secret_choice) {
    case 0:
      spouse.AddClientMetadata(rpc::kSecretMetadataKey, kSecret);
      break;
    case 1:
      break;
    case 2:
      spouse.AddClientMetadata(rpc::kSecretMetadataKey, "not-the-secret-0123456789abcdef");
      break;
    default:
      spouse.AddClientMetadata(rpc::kSecretMetadataKey, std::string(kSecret, 8));
      break;
  }
  // The request bytes as gRPC hands them to the service: the service parses them itself.
  grpc::ByteBuffer request = SlicedBuffer(input, slice_bytes);
  if (std::string differs = CompareReadings(request); !differs.empty()) return differs;
  if (std::string differs = CompareWithWholeParse(request); !differs.empty()) return differs;
  const std::optional<std::string> named_first = [&] {
    grpc::ProtoBufferReader stream(&request);
    return rpc::PeekMethod(stream);
  }();
  // Its methods are plain or inline ones: the reply comes before ServeAsTaken returns.
  absl::StatusOr<rpc::MovableByteBuffer> reply = absl::InternalError("Serve did not reply");
  last_run.reset();
  Service().ServeAsTaken(context, request,
                         [&reply](absl::StatusOr<rpc::MovableByteBuffer> served) {
                           reply = std::move(served);
                         });
  // A method not registered inline never runs outside the bound of handler threads,
  // whatever the request names first; one that is runs there when named first.
  if (last_run.has_value() && last_run->inline_scope && !IsInlineMethod(last_run->method)) {
    return absl::StrCat("method '", last_run->method, "' ran as a call taken on arrival, but ",
                        "is not registered to run inline");
  }
  if (last_run.has_value() && !last_run->inline_scope && IsInlineMethod(last_run->method) &&
      named_first == last_run->method) {
    return absl::StrCat("inline method '", last_run->method, "', named first, did not run as ",
                        "a call taken on arrival");
  }
  const grpc::Status status = reply.ok() ? grpc::Status::OK : rpc::ToGrpcStatus(reply.status());
  if (secret_choice != 0) {
    if (status.error_code() != grpc::StatusCode::UNAUTHENTICATED) {
      return absl::StrCat("a call without the right secret (choice ", secret_choice,
                          ") was not refused: code ", static_cast<int>(status.error_code()), " ",
                          status.error_message());
    }
    return "";
  }
  if (status.ok()) {
    courier::CallResponse response;
    grpc::ProtoBufferReader reader(&reply->bytes());
    if (!response.ParseFromZeroCopyStream(&reader)) return "an OK reply does not parse";
    return "";
  }
  if (!AllowedFailure(status.error_code())) {
    return absl::StrCat("unexpected code ", static_cast<int>(status.error_code()), ": ",
                        status.error_message());
  }
  if (status.error_message().empty()) {
    return absl::StrCat("code ", static_cast<int>(status.error_code()), " without a message");
  }
  return "";
}

}  // namespace lp::fuzz
