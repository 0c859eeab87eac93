// bench_rpc: the Courier transport against a raw gRPC unary echo, in one run.
//
// Scenarios (payload echoed there and back):
//   (a) latency      one caller, blocking calls, 64-byte payload
//   (b) throughput   16 calls outstanding (async), 64-byte payload
//   (c) bandwidth    1 MiB and 64 MiB payloads, blocking calls; Courier sends them as
//                    a DT_FLOAT tensor inside the SerializedObject, raw gRPC as bytes
// Rounds alternate between the two sides to cancel drift; each figure is the median.
// Usage: bench_rpc [--rounds=N]   (default 7)
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
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
double TimeSyncCalls(EchoClient& client, int calls) {
  const absl::Time start = absl::Now();
  for (int i = 0; i < calls; ++i) client.CallSync();
  return absl::ToDoubleSeconds(absl::Now() - start) / calls;
}

// Calls per second with `outstanding` calls always in flight.
double TimeAsyncCalls(EchoClient& client, int calls, int outstanding) {
  absl::Mutex mu;
  int started = 0;
  int finished = 0;
  std::function<void()> start_one;
  // Each completion starts the next call until `calls` were started.
  start_one = [&] {
    client.CallAsync([&] {
      bool more;
      {
        absl::MutexLock lock(&mu);
        ++finished;
        more = started < calls;
        if (more) ++started;
      }
      if (more) start_one();
    });
  };
  const absl::Time start = absl::Now();
  {
    absl::MutexLock lock(&mu);
    started = outstanding;
  }
  for (int i = 0; i < outstanding; ++i) start_one();
  {
    absl::MutexLock lock(&mu);
    auto all_done = [&] { return finished == calls; };
    mu.Await(absl::Condition(&all_done));
  }
  return calls / absl::ToDoubleSeconds(absl::Now() - start);
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
  std::printf("%-34s %12.2f %12.2f %-8s %7.3f   %s\n", name, raw, lp, unit, ratio, target);
}

void SetPayloads(Sides& sides, size_t bytes, bool as_tensor) {
  sides.raw->SetPayload(bytes, as_tensor);
  sides.lp->SetPayload(bytes, as_tensor);
}

int Main(int argc, char** argv) {
  int rounds = 7;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--rounds=", 9) == 0) rounds = std::max(1, std::atoi(argv[i] + 9));
  }

  std::printf("bench_rpc: Courier (lp) vs raw gRPC unary echo, gRPC from the system packages\n");
  std::printf("Setup: client and server in this one process, over TCP on 127.0.0.1, threads\n");
  std::printf("unpinned (no taskset), %u hardware threads; median of %d alternating rounds.\n",
              std::thread::hardware_concurrency(), rounds);
  std::printf("Both servers are gRPC sync servers; both echo by moving the bytes (no copy).\n\n");
  std::printf("%-34s %12s %12s %-8s %7s   %s\n", "scenario", "raw gRPC", "lp", "unit",
              "lp/raw", "target");

  Sides sides;

  SetPayloads(sides, 64, /*as_tensor=*/false);
  {
    auto [raw, lp] =
        Compare(sides, rounds, [](EchoClient& c) { return TimeSyncCalls(c, 3000) * 1e6; });
    PrintRow("(a) latency, 64 B, 1 caller", "us/call", raw, lp, lp / raw, "<= 1.15");
  }
  {
    auto [raw, lp] = Compare(sides, rounds, [](EchoClient& c) {
      return TimeAsyncCalls(c, /*calls=*/20000, /*outstanding=*/16);
    });
    PrintRow("(b) throughput, 64 B, 16 in flight", "calls/s", raw, lp, lp / raw, ">= 0.9");
  }
  for (size_t mib : {size_t{1}, size_t{64}}) {
    const size_t bytes = mib << 20;
    SetPayloads(sides, bytes, /*as_tensor=*/true);
    const int calls = mib == 1 ? 200 : 5;
    auto [raw, lp] = Compare(sides, rounds, [&](EchoClient& c) {
      const double seconds = TimeSyncCalls(c, calls);
      return 2.0 * static_cast<double>(bytes) / seconds / (1 << 20);  // both directions
    });
    const std::string name = "(c) bandwidth, " + std::to_string(mib) + " MiB echo";
    PrintRow(name.c_str(), "MiB/s", raw, lp, lp / raw, ">= 0.8");
  }
  std::printf("\nBandwidth counts the payload both ways (request + response).\n");
  return 0;
}

}  // namespace
}  // namespace lp::bench

int main(int argc, char** argv) { return lp::bench::Main(argc, argv); }
