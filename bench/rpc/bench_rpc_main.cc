// bench_rpc: lp Courier (the typed API) against a raw gRPC unary call, side by side in one run.
//
// Scenarios:
//   (a) latency      one caller, blocking calls, a 64-byte string echoed there and back
//   (b) throughput   16 calls always outstanding (futures), 64-byte string echo
//   (c) transfer     a 1 MiB and a 64 MiB float32 argument (lp: an lp::Tensor moved into
//                    the call; raw: a bytes field); the server returns the element count,
//                    so what is measured is the transfer of the argument
// Rounds alternate between the two sides to cancel drift; each figure is the median.
// Usage: bench_rpc [--rounds=N]   (default 7)
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/rpc/courier_echo.h"
#include "bench/rpc/echo_client.h"
#include "bench/rpc/raw_grpc_echo.h"

namespace lp::bench {
namespace {

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// Seconds per call, blocking, one caller.
double TimeEchoCalls(EchoClient& client, int calls) {
  const absl::Time start = absl::Now();
  for (int i = 0; i < calls; ++i) client.Echo();
  return absl::ToDoubleSeconds(absl::Now() - start) / calls;
}

// Calls per second with `outstanding` calls in flight: start that many, then each time
// the oldest completes, start another.
double TimeOutstandingCalls(EchoClient& client, int calls, int outstanding) {
  std::deque<std::unique_ptr<EchoClient::Pending>> in_flight;
  const absl::Time start = absl::Now();
  for (int started = 0; started < calls; ++started) {
    if (static_cast<int>(in_flight.size()) == outstanding) {
      in_flight.front()->Wait();
      in_flight.pop_front();
    }
    in_flight.push_back(client.StartEcho());
  }
  while (!in_flight.empty()) {
    in_flight.front()->Wait();
    in_flight.pop_front();
  }
  return calls / absl::ToDoubleSeconds(absl::Now() - start);
}

// MiB/s of argument transfer; only the calls are timed, not the preparation.
double TimeTransfers(EchoClient& client, int calls, size_t bytes) {
  absl::Duration total;
  for (int i = 0; i < calls; ++i) {
    client.PrepareTransfer();
    const absl::Time start = absl::Now();
    client.Transfer();
    total += absl::Now() - start;
  }
  return static_cast<double>(bytes) * calls / absl::ToDoubleSeconds(total) / (1 << 20);
}

struct Sides {
  std::unique_ptr<EchoClient> raw = MakeRawGrpcEcho();
  std::unique_ptr<EchoClient> lp = MakeCourierEcho();
};

// Runs `measure` alternately on both sides for `rounds` rounds (after one warm-up round
// each) and returns the medians {raw, lp}.
template <typename Measure>
std::pair<double, double> Compare(Sides& sides, int rounds, Measure measure) {
  measure(*sides.raw);
  measure(*sides.lp);
  std::vector<double> raw, lp;
  for (int r = 0; r < rounds; ++r) {
    if (r % 2 == 0) {
      raw.push_back(measure(*sides.raw));
      lp.push_back(measure(*sides.lp));
    } else {
      lp.push_back(measure(*sides.lp));
      raw.push_back(measure(*sides.raw));
    }
  }
  return {Median(raw), Median(lp)};
}

void PrintRow(const char* name, const char* unit, double raw, double lp, double ratio,
              const char* target) {
  std::printf("%-38s %12.2f %12.2f %-8s %7.3f   %s\n", name, raw, lp, unit, ratio, target);
}

std::string FirstLineWith(const char* path, const char* prefix) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) return line;
  }
  return "";
}

std::string CpuModel() {
  std::string line = FirstLineWith("/proc/cpuinfo", "model name");
  const size_t colon = line.find(':');
  return colon == std::string::npos ? "unknown CPU" : line.substr(colon + 2);
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

int Main(int argc, char** argv) {
  int rounds = 7;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--rounds=", 9) == 0) rounds = std::max(1, std::atoi(argv[i] + 9));
  }

  std::printf("bench_rpc: lp Courier (typed API: LP_COURIER_METHODS, CourierClient<T>) vs raw\n");
  std::printf("gRPC unary calls (generated stub, sync server), gRPC from the system packages.\n");
  std::printf("Where: client and server in this one process, over TCP on 127.0.0.1; threads\n");
  std::printf("unpinned; %u hardware threads (%s); load average at start %s.\n",
              std::thread::hardware_concurrency(), CpuModel().c_str(), LoadAverage().c_str());
  std::printf("Median of %d alternating rounds.\n\n", rounds);
  std::printf("%-38s %12s %12s %-8s %7s   %s\n", "scenario", "raw gRPC", "lp", "unit",
              "lp/raw", "target");

  Sides sides;

  sides.raw->SetEchoPayload(64);
  sides.lp->SetEchoPayload(64);
  {
    auto [raw, lp] =
        Compare(sides, rounds, [](EchoClient& c) { return TimeEchoCalls(c, 3000) * 1e6; });
    PrintRow("(a) latency, 64 B echo, 1 caller", "us/call", raw, lp, lp / raw, "<= 1.15");
  }
  {
    auto [raw, lp] = Compare(sides, rounds, [](EchoClient& c) {
      return TimeOutstandingCalls(c, /*calls=*/20000, /*outstanding=*/16);
    });
    PrintRow("(b) throughput, 64 B echo, 16 futures", "calls/s", raw, lp, lp / raw, ">= 0.9");
  }
  for (size_t mib : {size_t{1}, size_t{64}}) {
    const size_t bytes = mib << 20;
    sides.raw->SetTransferBytes(bytes);
    sides.lp->SetTransferBytes(bytes);
    const int calls = mib == 1 ? 100 : 4;
    auto [raw, lp] =
        Compare(sides, rounds, [&](EchoClient& c) { return TimeTransfers(c, calls, bytes); });
    const std::string name = "(c) transfer, " + std::to_string(mib) + " MiB float32 arg";
    PrintRow(name.c_str(), "MiB/s", raw, lp, lp / raw, ">= 0.8");
  }
  std::printf("\n(c) counts the argument one way; the reply is 8 bytes.\n");
  return 0;
}

}  // namespace
}  // namespace lp::bench

int main(int argc, char** argv) { return lp::bench::Main(argc, argv); }
