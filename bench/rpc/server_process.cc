#include "bench/rpc/server_process.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

namespace lp::bench {

ServerProcess::ServerProcess(Side side)
    : child_("server process", {"--serve=" + std::string(SideFlag(side))}) {
  const std::string first = child_.ReadLine();
  const size_t space = first.find(' ');
  port_ = std::atoi(first.substr(0, space).c_str());
  if (port_ <= 0 || space == std::string::npos) {
    Die("unexpected first line from the " + std::string(SideTitle(side)) +
        " server process: " + first);
  }
  placement_ = first.substr(space + 1);
}

ProcessUsage ServerProcess::UsageSoFar() {
  const std::string line = child_.Ask("usage");
  const std::optional<ProcessUsage> usage = ParseUsage(line);
  if (!usage) Die("unexpected answer from the server process: " + line);
  return *usage;
}

int ServeUntilStdinCloses(Side side) {
  std::unique_ptr<EchoServer> server = StartEchoServer(side);
  AnswerLine(std::to_string(server->port()) + " " + ThreadPlacement());
  for (std::string request; std::getline(std::cin, request);) {
    if (request != "usage") {
      std::fprintf(stderr, "bench_rpc --serve: unknown request '%s'\n", request.c_str());
      return 2;
    }
    AnswerLine(FormatUsage(ProcessUsageSoFar()));
  }
  return 0;
}

}  // namespace lp::bench
