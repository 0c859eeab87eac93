// bench_metrics: the per-call cost of Courier's metrics against the cost of the call.
//
// Baseline: synchronous 64-byte echo calls through CourierChannel to a CourierServer in
// this process, over TCP on 127.0.0.1 — CPU time per call (client + server, getrusage of
// the process) and wall time per call.
// Measured: the work the instrumentation adds to each such call, replayed in a loop on
// one thread — the server's (a method-table lookup, two clock reads, CallMetrics::Record)
// and the channel's (the calling node's label, the per-connection lookup under its mutex,
// two clock reads, Record) — in ns per call.
// Printed: both, and their ratio: the fraction of a call's CPU the metrics take.
//
// Usage: bench_metrics [--calls=N] [--records=N]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "courier/courier.pb.h"
#include "lp/courier_channel.h"
#include "lp/courier_server.h"
#include "src/metrics/courier_metrics.h"
#include "src/metrics/node_label.h"

namespace {

using Clock = std::chrono::steady_clock;

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

int Flag(int argc, char** argv, const char* name, int fallback) {
  const std::string prefix = absl::StrCat("--", name, "=");
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], prefix.c_str(), prefix.size()) == 0) {
      return std::atoi(argv[i] + prefix.size());
    }
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const int calls = Flag(argc, argv, "calls", 3000);
  const int records = Flag(argc, argv, "records", 2000000);
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::printf("bench_metrics: Courier's per-call metrics vs the call (load average %.2f %.2f %.2f)\n",
              load[0], load[1], load[2]);

  // The baseline: real calls.
  lp::CourierServer server;
  if (!server.RegisterMethod("Echo", [](courier::CallArguments& args)
                                         -> absl::StatusOr<courier::SerializedObject> {
                return std::move(*args.mutable_args(0));
              }).ok()) {
    return 1;
  }
  absl::StatusOr<int> port = server.Start("127.0.0.1:0");
  if (!port.ok()) return 1;
  lp::CourierChannelOptions options;
  options.peer_name = "server/0";
  auto channel = lp::CourierChannel::Create(absl::StrCat("127.0.0.1:", *port), options);
  auto one_call = [&] {
    courier::CallArguments args;
    args.add_args()->set_string_value(std::string(64, 'x'));
    return channel->Call("Echo", std::move(args), lp::CallOptions{}).ok();
  };
  for (int i = 0; i < 200; ++i) one_call();  // warm up: connection, threads, handles
  const double cpu_before = CpuSeconds();
  const Clock::time_point call_start = Clock::now();
  for (int i = 0; i < calls; ++i) {
    if (!one_call()) return 1;
  }
  const double call_wall_us = Seconds(Clock::now() - call_start) / calls * 1e6;
  const double call_cpu_us = (CpuSeconds() - cpu_before) / calls * 1e6;

  // The instrumentation's work per call, replayed.
  lp::metrics::CourierMetrics& registry = lp::metrics::CourierMetrics::Get();
  absl::flat_hash_map<std::string, lp::metrics::CallMetrics*> served_table = {
      {"Echo", &registry.Served("bench_server/0", "Echo")}};
  std::mutex connection_mu;
  absl::flat_hash_map<const std::string*, absl::flat_hash_map<std::string, lp::metrics::CallMetrics*>>
      made_table;
  const std::string method = "Echo";
  const Clock::time_point record_start = Clock::now();
  for (int i = 0; i < records; ++i) {
    // The server's.
    const Clock::time_point arrived = Clock::now();
    lp::metrics::CallMetrics& served = *served_table.find(method)->second;
    served.Record(absl::StatusCode::kOk, Seconds(Clock::now() - arrived), 80, 80);
    // The channel's.
    const std::string& node = lp::metrics::CurrentNodeLabel();
    lp::metrics::CallMetrics* made;
    {
      std::lock_guard lock(connection_mu);
      auto& by_method = made_table[&node];
      auto it = by_method.find(method);
      if (it == by_method.end()) {
        it = by_method.emplace(method, &registry.Made(node, "bench_server/0", method)).first;
      }
      made = it->second;
    }
    const Clock::time_point sent = Clock::now();
    made->Record(absl::StatusCode::kOk, Seconds(Clock::now() - sent), 80, 80);
  }
  const double record_ns = Seconds(Clock::now() - record_start) / records * 1e9;

  std::printf("call (64 B echo, sync, one process): %.1f us wall, %.1f us CPU per call (%d calls)\n",
              call_wall_us, call_cpu_us, calls);
  std::printf("metrics per call (server + client side, replayed %d times): %.0f ns\n", records,
              record_ns);
  std::printf("ratio metrics / call CPU: %.5f (%.3f %%)\n", record_ns / 1e3 / call_cpu_us,
              100 * record_ns / 1e3 / call_cpu_us);
  getloadavg(load, 3);
  std::printf("load average at the end %.2f %.2f %.2f\n", load[0], load[1], load[2]);
  server.Shutdown();
  return 0;
}
