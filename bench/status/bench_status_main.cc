// bench_status: what the launcher's status server costs an idle program, and what a look
// at it costs. Baseline in the same run: the same program without the server.
//
//   build/bench/status/bench_status [--nodes=100] [--idle_secs=5] [--rounds=3]
//                                   [--lp_launch_type=local_mt|local_mp]
//
// Each round launches `nodes` nodes that wait for the stop, once without the status
// server (--lp_status_port=-1) and once with it, lets the program settle for 2 s, then
// measures this process's CPU time (getrusage: the launcher, and under local_mt the node
// threads too) over `idle_secs` of idleness. Then, with the server on, it times requests
// of /api/nodes and /, as a browser refreshing the page makes them every second.
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "lp/lp.h"
#include "src/status/status_client.h"

ABSL_FLAG(int, nodes, 100, "Nodes in the program.");
ABSL_FLAG(double, idle_secs, 5, "Seconds of idleness measured per launch.");
ABSL_FLAG(int, rounds, 3, "Launches per variant (alternating).");
ABSL_FLAG(int, requests, 50, "Requests timed per path with the server on.");

namespace {

void WaitUntilStopped() { lp::WaitForStop(); }

lp::Program IdleProgram(int nodes) {
  lp::Program program("idle");
  auto group = program.Group("waiter");
  for (int i = 0; i < nodes; ++i) program.AddNode(lp::FunctionNode(WaitUntilStopped));
  return program;
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec +
         usage.ru_stime.tv_usec / 1e6;
}

int Threads() {
  int count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
    ++count;
  }
  return count;
}

struct Idle {
  double cpu_ms_per_s = 0;
  int threads = 0;
};

Idle MeasureIdle(int status_port, std::vector<double>* request_ms) {
  const int nodes = absl::GetFlag(FLAGS_nodes);
  lp::Controller controller =
      lp::Launch(IdleProgram(nodes), {.status_port = status_port});
  absl::SleepFor(absl::Seconds(2));  // the program settles: every node started
  const absl::Duration idle = absl::Seconds(absl::GetFlag(FLAGS_idle_secs));
  Idle result;
  result.threads = Threads();
  const double cpu_before = CpuSeconds();
  const absl::Time start = absl::Now();
  absl::SleepFor(idle);
  result.cpu_ms_per_s =
      (CpuSeconds() - cpu_before) * 1000 / absl::ToDoubleSeconds(absl::Now() - start);
  if (request_ms != nullptr && !controller.StatusUrl().empty()) {
    for (const std::string path : {"/api/nodes", "/"}) {
      const int requests = absl::GetFlag(FLAGS_requests);
      const absl::Time begin = absl::Now();
      for (int i = 0; i < requests; ++i) {
        if (!lp::internal::FetchFromStatusServer(controller.StatusUrl(), path).ok()) {
          std::fprintf(stderr, "bench_status: %s failed\n", path.c_str());
        }
      }
      request_ms->push_back(absl::ToDoubleMilliseconds(absl::Now() - begin) / requests);
    }
  }
  controller.Stop();
  (void)controller.Wait();
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  lp::ParseFlags(argc, argv);
  const int rounds = absl::GetFlag(FLAGS_rounds);
  double off_cpu = 0, on_cpu = 0;
  int off_threads = 0, on_threads = 0;
  std::vector<double> request_ms;
  for (int round = 0; round < rounds; ++round) {
    const Idle off = MeasureIdle(-1, nullptr);
    const Idle on = MeasureIdle(0, round == rounds - 1 ? &request_ms : nullptr);
    std::printf("round %d: idle CPU %.3f ms/s without the status server, %.3f ms/s with it\n",
                round + 1, off.cpu_ms_per_s, on.cpu_ms_per_s);
    off_cpu += off.cpu_ms_per_s / rounds;
    on_cpu += on.cpu_ms_per_s / rounds;
    off_threads = off.threads;
    on_threads = on.threads;
  }
  std::printf("\n%d nodes, %s, %d rounds of %.0f s idle (load: see uptime)\n",
              absl::GetFlag(FLAGS_nodes),
              std::string(lp::LaunchTypeName(absl::GetFlag(FLAGS_lp_launch_type))).c_str(), rounds,
              absl::GetFlag(FLAGS_idle_secs));
  std::printf("%-28s %12s %12s\n", "", "no server", "server");
  std::printf("%-28s %12.3f %12.3f   (+%.3f ms of CPU per second)\n", "idle CPU, ms per s", off_cpu,
              on_cpu, on_cpu - off_cpu);
  std::printf("%-28s %12d %12d\n", "threads of this process", off_threads, on_threads);
  if (request_ms.size() == 2) {
    std::printf("a request of /api/nodes: %.2f ms; of the page: %.2f ms (%d each)\n",
                request_ms[0], request_ms[1], absl::GetFlag(FLAGS_requests));
  }
  return 0;
}
