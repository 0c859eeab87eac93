#include "bench/rpc/client_process.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/rpc/placement.h"
#include "bench/rpc/raw_grpc_echo.h"

namespace lp::bench {
namespace {

constexpr char kHereSocket[] = "--here=socket";
constexpr char kHereInProcess[] = "--here=in-process";

std::vector<std::string> ChildArgs(Side side, ServerOf server, bool raw_waited_queue) {
  std::vector<std::string> args = {"--call=" + std::string(SideFlag(side))};
  if (server.port != 0) {
    args.push_back("--port=" + std::to_string(server.port));
  } else {
    args.push_back(server.here == Transport::kInProcess ? kHereInProcess : kHereSocket);
  }
  if (raw_waited_queue) args.push_back("--raw_waited=queue");
  return args;
}

}  // namespace

ClientProcess::ClientProcess(Side side, ServerOf server, bool raw_waited_queue)
    : child_("client process", ChildArgs(side, server, raw_waited_queue)),
      placement_(child_.ReadLine()) {}

void ClientProcess::Apply(const ClientSettings& settings) {
  const std::string answer = child_.Ask(EncodeSettings(settings));
  if (answer != "ok") Die("unexpected answer from the client process: " + answer);
}

ClientRun ClientProcess::Run(const ClientJob& job) {
  const std::string answer = child_.Ask(EncodeJob(job));
  const std::optional<ClientRun> run = ParseRun(answer);
  if (!run) Die("unexpected answer from the client process: " + answer);
  return *run;
}

int CallUntilStdinCloses(Side side, int argc, char** argv) {
  int port = 0;
  std::optional<Transport> here;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--port=", 7) == 0) {
      port = std::atoi(argv[i] + 7);
    } else if (std::strcmp(argv[i], kHereSocket) == 0) {
      here = Transport::kTcp;
    } else if (std::strcmp(argv[i], kHereInProcess) == 0) {
      here = Transport::kInProcess;
    } else if (std::strcmp(argv[i], "--raw_waited=queue") == 0) {
      SetWaitedThroughQueue(true);
    } else {
      std::fprintf(stderr, "bench_rpc --call: unknown argument '%s'\n", argv[i]);
      return 2;
    }
  }
  if ((port <= 0) == !here.has_value()) {
    std::fprintf(stderr, "bench_rpc --call: one of --port=PORT and --here=WAY\n");
    return 2;
  }
  // Declared first: gone after the client.
  std::unique_ptr<EchoServer> server = here ? StartEchoServer(side) : nullptr;
  std::unique_ptr<EchoClient> client =
      ConnectEchoClient(side, server ? server->port() : port, here.value_or(Transport::kTcp));
  AnswerLine(ThreadPlacement());
  for (std::string request; std::getline(std::cin, request);) {
    if (const std::optional<ClientSettings> settings = ParseSettings(request)) {
      settings->ApplyTo(*client);
      AnswerLine("ok");
    } else if (const std::optional<ClientJob> job = ParseJob(request)) {
      AnswerLine(EncodeRun(RunClientJob(*client, *job)));
    } else {
      std::fprintf(stderr, "bench_rpc --call: unknown request '%s'\n", request.c_str());
      return 2;
    }
  }
  return 0;
}

}  // namespace lp::bench
