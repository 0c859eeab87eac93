// bench_batching: a batched Courier method against the same work unbatched, in one run.
//
// The handler simulates a device with a fixed cost per invocation: it busy-waits 50 µs,
// plus 1 µs per item. 64 caller threads each make blocking calls for a fixed time:
//   unbatched  `int Single(int)`                          one invocation per call
//   batched    `std::vector<int> Batched(lp::Batch<int>)`  batch_size 64, max_parallelism 1
//              (--batch_size, --max_parallelism; a batch that is not full runs
//              --timeout_us after its first call, 5000 by default, 0 as soon as it may)
// both served by one CourierNode of a local_mt program, over Courier RPC: first through the
// node's socket (LP_IN_PROCESS_CALLS=0), as callers in other processes of this host reach
// it (its Unix socket; with LP_LOCAL_SOCKETS=0, loopback TCP), then through gRPC's
// in-process transport, as a local_mt program's own callers do by default.
// Prints calls/s of each, the mean batch size seen, the CPU time and the context switches
// per call of the whole process (client, server and gRPC threads: getrusage), the cores it
// kept busy (CPU per call times calls/s: how much of the machine each side used), and the
// ratio batched / unbatched.
// Then the same without RPC: the callers call the handler directly, or the batching engine
// (lp::internal::Batcher) in process — what batching itself costs and saves.
//
// Over RPC the two alternate for --rounds rounds, and the ratio printed (issue 13's target:
// >= 2) is the median of the rounds' ratios: on a shared 2-core machine one pair of runs
// swings by +-15 %.
//
// Usage: bench_batching [--seconds=S] [--callers=N] [--batch_size=B] [--rounds=R]
//        [--max_parallelism=P] [--timeout_us=T] [--transports=socket,in-process]
//        (defaults 3, 64, 64, 3, 1, 5000, both transports)
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "lp/lp.h"
#include "lp/internal/batcher.h"
#include "src/courier/rpc/local_socket.h"

namespace lp::bench {
namespace {

constexpr auto kPerInvocation = std::chrono::microseconds(50);
constexpr auto kPerItem = std::chrono::microseconds(1);

// Burns the CPU for `cost`: a stand-in for work that cannot yield its thread.
void BusyWait(std::chrono::nanoseconds cost) {
  const auto end = std::chrono::steady_clock::now() + cost;
  while (std::chrono::steady_clock::now() < end) {
  }
}

class Model {
 public:
  int Single(int x) {
    BusyWait(kPerInvocation + kPerItem);
    invocations_.fetch_add(1, std::memory_order_relaxed);
    items_.fetch_add(1, std::memory_order_relaxed);
    return x + 1;
  }

  std::vector<int> Batched(Batch<int> batch) {
    BusyWait(kPerInvocation + kPerItem * static_cast<int>(batch.size()));
    invocations_.fetch_add(1, std::memory_order_relaxed);
    items_.fetch_add(static_cast<int64_t>(batch.size()), std::memory_order_relaxed);
    std::vector<int> results;
    results.reserve(batch.size());
    for (int x : batch) results.push_back(x + 1);
    return results;
  }

  // Invocations and items since the last call.
  std::vector<int64_t> TakeCounts() { return {invocations_.exchange(0), items_.exchange(0)}; }

 private:
  std::atomic<int64_t> invocations_{0};
  std::atomic<int64_t> items_{0};
};
LP_COURIER_METHODS(Model, Single, Batched, TakeCounts);

struct Result {
  double calls_per_second = 0;
  double mean_batch = 0;
  double cpu_us_per_call = 0;
  double switches_per_call = 0;
  // CPU per call times calls per second: the cores the process kept busy on average. The
  // ratio batched / unbatched is the ratio of CPU per call, scaled by the ratio of these.
  double cores_busy = 0;
};

// What every thread of this process has used so far: CPU time (user + system) in
// microseconds, and context switches (voluntary and not), which count the hand-offs
// from one thread to another that calls cost.
struct ProcessUsage {
  double cpu_us = 0;
  double switches = 0;

  static ProcessUsage Now() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto micros = [](const timeval& t) { return t.tv_sec * 1e6 + static_cast<double>(t.tv_usec); };
    return {micros(usage.ru_utime) + micros(usage.ru_stime),
            static_cast<double>(usage.ru_nvcsw + usage.ru_nivcsw)};
  }
};

// Per call of the last CallsPerSecond: the whole process's usage (callers, server and
// gRPC threads alike).
ProcessUsage last_usage_per_call;

// `callers` threads call `call(x)` (which must return x + 1) until `duration` passes;
// the calls per second.
template <typename CallFn>
double CallsPerSecond(int callers, absl::Duration duration, CallFn call) {
  const ProcessUsage before = ProcessUsage::Now();
  std::atomic<int64_t> calls{0};
  std::atomic<bool> wrong{false};
  const absl::Time start = absl::Now();
  const absl::Time end = start + duration;
  std::vector<std::thread> threads;
  for (int c = 0; c < callers; ++c) {
    threads.emplace_back([&, c] {
      int64_t made = 0;
      for (int i = 0; absl::Now() < end; ++i) {
        if (call(c * 1'000'000 + i) != c * 1'000'000 + i + 1) wrong = true;
        ++made;
      }
      calls.fetch_add(made);
    });
  }
  for (std::thread& thread : threads) thread.join();
  if (wrong) {
    std::fprintf(stderr, "a call returned a wrong result\n");
    std::exit(1);
  }
  const ProcessUsage after = ProcessUsage::Now();
  const double made = static_cast<double>(std::max<int64_t>(calls.load(), 1));
  last_usage_per_call = {(after.cpu_us - before.cpu_us) / made,
                         (after.switches - before.switches) / made};
  return static_cast<double>(calls.load()) / absl::ToDoubleSeconds(absl::Now() - start);
}

// Over RPC: `callers` threads call through `client` until `duration` passes; also the
// mean batch the model saw.
template <typename CallFn>
Result Measure(const CourierClient<Model>& client, int callers, absl::Duration duration,
               CallFn call) {
  client.Call(&Model::TakeCounts);
  const double calls_per_second = CallsPerSecond(callers, duration, call);
  const ProcessUsage per_call = last_usage_per_call;
  const std::vector<int64_t> counts = client.Call(&Model::TakeCounts);
  return {calls_per_second,
          counts[0] == 0 ? 0 : static_cast<double>(counts[1]) / static_cast<double>(counts[0]),
          per_call.cpu_us, per_call.switches, per_call.cpu_us * calls_per_second / 1e6};
}

struct EngineCall : internal::BatchedCall {
  int in = 0;
  int out = 0;
};

int IntFlag(int argc, char** argv, const char* name, int fallback) {
  const std::string prefix = std::string("--") + name + "=";
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], prefix.c_str(), prefix.size()) == 0) {
      return std::atoi(argv[i] + prefix.size());
    }
  }
  return fallback;
}

// How the callers reach the node: through a socket, as callers in other processes do, or
// through gRPC's in-process transport, as the nodes and the main thread of a local_mt program
// do by default (docs/courier.md, "Calls within one process").
enum class Transport { kSocket, kInProcess };

// Whether --transports= (a comma-separated subset of socket,in-process; default both;
// "tcp" is socket's old name) asks for `transport`.
bool Wanted(int argc, char** argv, Transport transport) {
  const char* name = transport == Transport::kSocket ? "socket" : "in-process";
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--transports=", 13) == 0) {
      for (absl::string_view part : absl::StrSplit(argv[i] + 13, ',')) {
        if (part == name || (part == "tcp" && transport == Transport::kSocket)) return true;
      }
      return false;
    }
  }
  return true;
}

struct RpcSettings {
  Transport transport;
  int seconds;
  int callers;
  int batch_size;
  int max_parallelism;
  int rounds;
  absl::Duration timeout;
};

// Batched against unbatched over Courier RPC, in rounds; prints them and the ratio.
// Returns whether the program stopped cleanly.
bool CompareOverRpc(const RpcSettings& settings) {
  const bool in_process = settings.transport == Transport::kInProcess;
  // Read when the handle's client is made. Set between programs, while no node runs.
  setenv("LP_IN_PROCESS_CALLS", in_process ? "1" : "0", /*overwrite=*/1);
  Program program("bench_batching");
  CourierNode<Model> node;
  // A batch runs when batch_size calls wait, or `timeout` after its first call (the tail). The
  // server's options are the defaults: a waiting batched call holds no handler thread.
  node.SetBatching(&Model::Batched,
                   {.batch_size = settings.batch_size,
                    .max_parallelism = settings.max_parallelism,
                    .timeout = settings.timeout});
  auto handle = program.AddNode(std::move(node), "model");
  Controller controller = Launch(std::move(program), {.launch_type = LaunchType::kLocalMt});
  const CourierClient<Model> client = handle.Dereference().WithTimeout(absl::Seconds(60));
  client.Call(&Model::TakeCounts);  // up

  const int callers = settings.callers;
  const absl::Duration duration = absl::Seconds(settings.seconds);
  // Warm-up (connections, threads), not reported.
  Measure(client, callers, absl::Milliseconds(300),
          [&](int x) { return client.Call(&Model::Single, x); });
  // Rounds alternate which of the two goes first, to cancel drift; the figures are their
  // medians, and the ratio is the median of the rounds' ratios.
  std::vector<Result> unbatched_rounds, batched_rounds;
  std::vector<double> ratios;
  std::printf("over Courier RPC (one CourierNode, local_mt), %s, %d rounds:\n",
              in_process ? "through gRPC's in-process transport (local_mt's default)"
                         : rpc::LocalSocketsEnabled()
                               ? "through the node's Unix socket (LP_IN_PROCESS_CALLS=0)"
                               : "over loopback TCP (LP_IN_PROCESS_CALLS=0, LP_LOCAL_SOCKETS=0)",
              settings.rounds);
  for (int round = 0; round < settings.rounds; ++round) {
    auto single = [&] {
      return Measure(client, callers, duration,
                     [&](int x) { return client.Call(&Model::Single, x); });
    };
    auto batched = [&] {
      return Measure(client, callers, duration,
                     [&](int x) { return client.Call(&Model::Batched, x); });
    };
    Result u, b;
    if (round % 2 == 0) {
      u = single();
      b = batched();
    } else {
      b = batched();
      u = single();
    }
    unbatched_rounds.push_back(u);
    batched_rounds.push_back(b);
    ratios.push_back(b.calls_per_second / u.calls_per_second);
    std::printf("  round %d: unbatched %.0f calls/s (%.1f us CPU, %.2f switches per call, "
                "%.2f cores busy), batched %.0f calls/s (mean batch %.1f, %.1f us CPU, %.2f "
                "switches per call, %.2f cores busy), ratio %.2fx\n",
                round + 1, u.calls_per_second, u.cpu_us_per_call, u.switches_per_call,
                u.cores_busy, b.calls_per_second, b.mean_batch, b.cpu_us_per_call,
                b.switches_per_call, b.cores_busy, ratios.back());
  }
  auto median = [](std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  };
  auto median_of = [&](const std::vector<Result>& results, double Result::*field) {
    std::vector<double> values;
    for (const Result& result : results) values.push_back(result.*field);
    return median(values);
  };
  const double ratio = median(ratios);
  std::printf("  unbatched                      %10.0f calls/s   "
              "(%.1f us CPU, %.2f switches per call, %.2f cores busy)\n",
              median_of(unbatched_rounds, &Result::calls_per_second),
              median_of(unbatched_rounds, &Result::cpu_us_per_call),
              median_of(unbatched_rounds, &Result::switches_per_call),
              median_of(unbatched_rounds, &Result::cores_busy));
  std::printf("  batched (batch_size %3d, max_parallelism %d) %10.0f calls/s   "
              "(mean batch %.1f, %.1f us CPU, %.2f switches per call, %.2f cores busy)\n",
              settings.batch_size, settings.max_parallelism,
              median_of(batched_rounds, &Result::calls_per_second),
              median_of(batched_rounds, &Result::mean_batch),
              median_of(batched_rounds, &Result::cpu_us_per_call),
              median_of(batched_rounds, &Result::switches_per_call),
              median_of(batched_rounds, &Result::cores_busy));
  std::printf("  ratio batched / unbatched      %10.2fx   "
              "(median of the rounds; target >= 2: %s)\n",
              ratio, ratio >= 2.0 ? "MET" : "not met");
  controller.Stop();
  return controller.Wait().ok();
}

int Main(int argc, char** argv) {
  const int seconds = IntFlag(argc, argv, "seconds", 3);
  const int callers = IntFlag(argc, argv, "callers", 64);
  const int batch_size = IntFlag(argc, argv, "batch_size", 64);
  const int max_parallelism = std::max(1, IntFlag(argc, argv, "max_parallelism", 1));
  const int rounds = std::max(1, IntFlag(argc, argv, "rounds", 3));
  const absl::Duration timeout = absl::Microseconds(IntFlag(argc, argv, "timeout_us", 5000));
  std::printf(
      "bench_batching: %d callers, handler cost 50 us + 1 us per item (busy), %d s each, "
      "%u cores\n",
      callers, seconds, std::thread::hardware_concurrency());
  bool stopped = true;
  for (Transport transport : {Transport::kSocket, Transport::kInProcess}) {
    if (!Wanted(argc, argv, transport)) continue;
    stopped =
        CompareOverRpc(
            {transport, seconds, callers, batch_size, max_parallelism, rounds, timeout}) &&
        stopped;
  }
  const absl::Duration duration = absl::Seconds(seconds);

  // Without RPC.
  Model model;
  const double direct = CallsPerSecond(callers, duration, [&](int x) { return model.Single(x); });
  internal::Batcher batcher(
      {.batch_size = batch_size, .timeout = timeout},
      [&](const std::vector<internal::BatchedCall*>& calls, std::size_t num_calls) {
        Batch<int> batch;
        for (std::size_t i = 0; i < num_calls; ++i) {
          batch.calls.push_back(static_cast<EngineCall*>(calls[i])->in);
        }
        std::vector<int> results = model.Batched(std::move(batch));
        for (std::size_t i = 0; i < num_calls; ++i) {
          static_cast<EngineCall*>(calls[i])->out = results[i];
        }
        return absl::OkStatus();
      });
  model.TakeCounts();
  const double engine = CallsPerSecond(callers, duration, [&](int x) {
    EngineCall call;
    call.in = x;
    if (!batcher.Call(&call).ok()) return -1;
    return call.out;
  });
  const std::vector<int64_t> counts = model.TakeCounts();
  std::printf("in process, no RPC:\n");
  std::printf("  handler called directly        %10.0f calls/s\n", direct);
  std::printf(
      "  through the Batcher            %10.0f calls/s   (mean batch %.1f)\n", engine,
      counts[0] == 0 ? 0.0 : static_cast<double>(counts[1]) / static_cast<double>(counts[0]));
  std::printf("  ratio batched / direct         %10.2fx\n", engine / direct);
  return stopped ? 0 : 1;
}

}  // namespace
}  // namespace lp::bench

int main(int argc, char** argv) { return lp::bench::Main(argc, argv); }
