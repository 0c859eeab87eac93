// A Courier node seen from outside its process, as `ss` or a hostile peer sees it:
// courier_test_server (a CourierNode in a local_mt program) runs as a child.
//   - It listens on one TCP port, the one it publishes.
//   - A gzip bomb (a small compressed request that inflates to ~2 GiB) is refused
//     before it is inflated: the server's peak RSS stays under a stated bound.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "courier/courier.grpc.pb.h"
#include "src/core/worker_environment.h"
#include "src/courier/rpc/secret.h"
#include "tests/courier/rpc_test_util.h"
#include "tests/support/child_process.h"
#include "tests/support/listening_ports.h"

namespace lp {
namespace {

using ::lp::testing::BuildDir;
using ::lp::testing::ChildProcess;
using ::lp::testing::ListeningTcpPorts;

// Generous: compressing the 2 GiB bomb takes a minute or more on a loaded machine.
constexpr absl::Duration kGenerous = absl::Minutes(10);

// Peak resident memory of `pid` (VmHWM), in bytes.
int64_t PeakRss(pid_t pid) {
  std::ifstream file(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(file, line)) {
    if (line.rfind("VmHWM:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    int64_t kib = 0;
    fields >> kib;
    return kib * 1024;
  }
  return -1;
}

// The launch's secret the server is started with, which a client from outside sends.
constexpr char kSecret[] = "courier-server-process-test-secret";

// Starts courier_test_server; its published "127.0.0.1:PORT" in `address`.
void StartServer(std::unique_ptr<ChildProcess>& server, std::string& address) {
  server = std::make_unique<ChildProcess>(
      std::vector<std::string>{BuildDir() + "/tests/courier/courier_test_server"},
      std::vector<std::string>{absl::StrCat(internal::kCourierSecretEnv, "=", kSecret)});
  address = server->WaitForMatch("courier_test_server listening on (\\S+:\\d+)\n", kGenerous);
  ASSERT_FALSE(address.empty()) << server->output();
}

// Calls AddInts(2, 40) through a plain gRPC stub: the server still answers.
void ExpectServerAnswers(const std::string& address) {
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  auto stub = courier::CourierService::NewStub(channel);
  courier::CallRequest request;
  request.set_method("AddInts");
  request.mutable_arguments()->add_args()->set_int_value(2);
  request.mutable_arguments()->add_args()->set_int_value(40);
  courier::CallResponse response;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + kGenerous));
  context.AddMetadata(rpc::kSecretMetadataKey, kSecret);
  grpc::Status status = stub->Call(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.result().result().int_value(), 42);
}

TEST(CourierServerProcessTest, ListensOnlyOnItsPublishedPort) {
  std::unique_ptr<ChildProcess> server;
  std::string address;
  ASSERT_NO_FATAL_FAILURE(StartServer(server, address));
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(address.substr(address.rfind(':') + 1), &port));
  // Besides the node's server, only the launcher's status server (local_mt's default),
  // whose address the launcher prints, before or after the node's line.
  const std::string status_port_text =
      server->WaitForMatch("status of program .*:(\\d+)/\n", kGenerous);
  int status_port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(status_port_text, &status_port)) << server->output();
  EXPECT_EQ(ListeningTcpPorts(server->pid()), (std::set<int>{port, status_port}));
  ExpectServerAnswers(address);
}

void AppendVarint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}

size_t VarintSize(uint64_t value) {
  std::string bytes;
  AppendVarint(bytes, value);
  return bytes.size();
}

// The bytes of CallRequest{method, arguments: {args: [string_value: `zeros` zero bytes]}},
// built in place so that the test holds one copy of the payload.
std::string RequestWithZeros(const std::string& method, size_t zeros) {
  const size_t object = 1 + VarintSize(zeros) + zeros;        // SerializedObject
  const size_t arguments = 1 + VarintSize(object) + object;   // CallArguments
  std::string bytes;
  bytes.reserve(2 + method.size() + 1 + VarintSize(arguments) + arguments);
  bytes += '\x0a';  // CallRequest.method
  AppendVarint(bytes, method.size());
  bytes += method;
  bytes += '\x12';  // CallRequest.arguments
  AppendVarint(bytes, arguments);
  bytes += '\x0a';  // CallArguments.args
  AppendVarint(bytes, object);
  bytes += '\x22';  // SerializedObject.string_value
  AppendVarint(bytes, zeros);
  bytes.resize(bytes.size() + zeros, '\0');
  return bytes;
}

// gRPC inflates a compressed message completely before it checks the receive limit, so
// a server that accepted gzip would grow by the inflated size (~2 GiB) here.
TEST(CourierServerProcessTest, GzipBombIsRefusedWithoutInflating) {
  constexpr int64_t kRssBound = int64_t{256} << 20;  // the server's stated peak: 256 MiB
  std::unique_ptr<ChildProcess> server;
  std::string address;
  ASSERT_NO_FATAL_FAILURE(StartServer(server, address));
  const int64_t before = PeakRss(server->pid());
  ASSERT_GT(before, 0);

  {
    // 2 GiB less a little (gRPC's own limit): ~2 MB once compressed.
    std::string request = RequestWithZeros("ByteLength", (size_t{2} << 30) - 4096);
    grpc::Slice slice(request.data(), request.size(), grpc::Slice::STATIC_SLICE);
    grpc::Status status = ::lp::testing::RawCall(address, grpc::ByteBuffer(&slice, 1),
                                                 GRPC_COMPRESS_GZIP, kGenerous);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED) << status.error_message();
    EXPECT_NE(status.error_message().find("gzip"), std::string::npos) << status.error_message();
  }
  ExpectServerAnswers(address);
  const int64_t after = PeakRss(server->pid());
  std::cout << "courier_test_server peak RSS: " << (before >> 20) << " MiB before the bomb, "
            << (after >> 20) << " MiB after\n";
  EXPECT_LT(after, kRssBound) << "peak RSS went from " << before << " to " << after << " bytes";
}

}  // namespace
}  // namespace lp
