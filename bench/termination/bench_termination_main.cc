// bench_termination: how fast a program ends, in the shape of an RL program: four actors
// calling a learner over Courier in a loop, with no try/catch. A benchmark, not a test.
//
//   build/bench/termination/bench_termination            # 50 runs of each, local_mt and local_mp
//   build/bench/termination/bench_termination --runs=200
//
// Two measurements per launch type, over --runs launches each:
//   failure   the learner (a CourierNode with Run()) throws while the actors are mid-call;
//             from the throw to Controller::Wait() returning in the launcher (which is
//             when LaunchAndWait exits). Targets: median <= 100 ms, max <= 1 s.
//   stop      the learner calls lp::Stop() while the actors are mid-call; from that call
//             to Wait() returning.
// Each learner writes the time of its throw or stop to a file before it acts; the launcher
// reads it after Wait(). The clock is the machine's realtime clock, shared by every
// process on it. Client and server run unpinned: the figure is what a user sees.
//
// This binary is itself an lp program: local_mp re-executes it once per node with the
// same command line, and main() builds the same sequence of programs again, so that each
// worker reaches the launch it belongs to (launches are numbered per process).

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "lp/flags.h"
#include "lp/lp.h"

ABSL_FLAG(int, runs, 50, "launches per launch type and measurement");

namespace {

// Where learners leave the time they acted: set by the launcher, inherited by workers.
constexpr char kStampDirEnv[] = "LP_BENCH_TERMINATION_DIR";

std::string StampPath(const std::string& program) {
  const char* dir = std::getenv(kStampDirEnv);
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", program);
}

void WriteStamp() {
  std::ofstream(StampPath(lp::CurrentNode()->program_name))
      << absl::ToUnixNanos(absl::Now()) << "\n";
}

class Learner {
 public:
  explicit Learner(bool fail) : fail_(fail) {}
  int Step(int actor) {
    ++steps_;
    return actor;
  }
  void Run() {
    // Once the actors are well into their loops.
    while (steps_.load() < 100) {
      if (lp::WaitForStop(absl::Milliseconds(1))) return;
    }
    WriteStamp();
    if (fail_) throw std::runtime_error("learner diverged");
    lp::Stop();
    lp::WaitForStop();
  }

 private:
  const bool fail_;
  std::atomic<int> steps_{0};
};
LP_COURIER_METHODS(Learner, Step);

void Actor(lp::CourierClient<Learner> learner) {
  for (;;) learner.Call(&Learner::Step, lp::CurrentNode()->node.index);
}

bool IsWorker() { return std::getenv("LP_NODE") != nullptr; }

// Runs one program; the time from the learner's stamp to Wait() returning, or -1.
double RunOnce(const std::string& name, bool fail, lp::LaunchType type) {
  lp::Program program(name);
  lp::CourierHandle<Learner> learner = program.AddNode(lp::CourierNode<Learner>(fail), "learner");
  {
    auto group = program.Group("actor");
    for (int i = 0; i < 4; ++i) program.AddNode(lp::FunctionNode(Actor, learner));
  }
  lp::Controller controller = lp::Launch(std::move(program), {.launch_type = type});
  const absl::Status status = controller.Wait();
  const absl::Time end = absl::Now();
  // A worker gets here only for the launches before its own, which it skips.
  if (IsWorker()) return -1;
  if (status.ok() == fail) {
    std::fprintf(stderr, "bench_termination: %s ended unexpectedly: %s\n", name.c_str(),
                 status.ToString().c_str());
    return -1;
  }
  std::ifstream stamp(StampPath(name));
  std::string line;
  int64_t nanos = 0;
  if (!std::getline(stamp, line) || !absl::SimpleAtoi(line, &nanos)) return -1;
  return absl::ToDoubleMilliseconds(end - absl::FromUnixNanos(nanos));
}

struct Summary {
  double median = 0;
  double max = 0;
  int failed = 0;
};

Summary Summarize(std::vector<double> ms) {
  Summary summary;
  summary.failed = static_cast<int>(std::count(ms.begin(), ms.end(), -1.0));
  std::erase(ms, -1.0);
  if (ms.empty()) return summary;
  std::sort(ms.begin(), ms.end());
  summary.median = ms[ms.size() / 2];
  summary.max = ms.back();
  return summary;
}

}  // namespace

int main(int argc, char** argv) {
  lp::ParseFlags(argc, argv);
  const bool is_worker = IsWorker();
  if (!is_worker) {
    char dir[] = "/tmp/lp_bench_termination_XXXXXX";
    if (mkdtemp(dir) == nullptr) return 2;
    setenv(kStampDirEnv, dir, 1);
  }
  const int runs = absl::GetFlag(FLAGS_runs);
  std::vector<std::string> lines;
  for (lp::LaunchType type : {lp::LaunchType::kLocalMt, lp::LaunchType::kLocalMp}) {
    const std::string type_name(lp::LaunchTypeName(type));
    for (bool fail : {true, false}) {
      std::vector<double> ms;
      for (int run = 0; run < runs; ++run) {
        ms.push_back(RunOnce(absl::StrCat(fail ? "fail_" : "stop_", type_name, "_", run),
                             fail, type));
      }
      if (is_worker) continue;
      const Summary summary = Summarize(ms);
      std::string line = absl::StrFormat(
          "%-9s %-8s median %7.1f ms  max %7.1f ms  (%d runs%s)", type_name,
          fail ? "failure" : "stop", summary.median, summary.max, runs,
          summary.failed > 0 ? absl::StrCat(", ", summary.failed, " unexpected") : "");
      if (fail) {
        const bool met = summary.failed == 0 && summary.median <= 100 && summary.max <= 1000;
        absl::StrAppend(&line, "  target median <= 100 ms, max <= 1000 ms: ",
                        met ? "met" : "MISSED");
      }
      std::cout << line << std::endl;
    }
  }
  return 0;
}
