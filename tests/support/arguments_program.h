#ifndef LP_TESTS_SUPPORT_ARGUMENTS_PROGRAM_H_
#define LP_TESTS_SUPPORT_ARGUMENTS_PROGRAM_H_

// The programs of the "arguments travel" tests (issue 16), shared by the local_mp child
// (tests/launch/lp_args_child.cc) and the Slurm child (tests/slurm/slurm_child.cc).
//
// main() computes values that differ in every run — a run id from the clock, a seed from
// std::random_device, a fresh directory from mkdtemp — and passes them to nodes of every
// kind: ClassNode, FunctionNode, CourierNode (with a LP_SERIALIZABLE struct), and inner
// nodes of both colocations. Each node prints what it got:
//
//   got <group/index> run_id=<...> seed=<...> dir=<...> launch=<lp::LaunchId()>
//
// and main prints, before launching, "launcher-main <values>" in the launcher and
// "worker-main <values>" in each worker (which runs main() again), so that a test can
// compare every node's values with the launcher's and see that workers computed others.

#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <ostream>
#include <random>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lp/lp.h"

namespace lp_test_arguments {

struct MainValues {
  std::string run_id;
  uint64_t seed = 0;
  std::string dir;
};
LP_SERIALIZABLE(MainValues, run_id, seed, dir);

inline void Say(const std::string& line) { std::cout << line + "\n" << std::flush; }

inline std::string Describe(const std::string& run_id, uint64_t seed, const std::string& dir) {
  return absl::StrCat("run_id=", run_id, " seed=", seed, " dir=", dir);
}

inline bool IsWorker() {
  for (const char* name : {"LP_NODE", "LP_NODE_GROUP"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') return true;
  }
  return false;
}

// What a main() computes differently in every run. The directory is made under `scratch`
// (which the test removes).
inline MainValues ComputeMainValues(const std::string& scratch) {
  MainValues values;
  values.run_id = absl::StrCat("run-", absl::ToUnixMicros(absl::Now()));
  std::random_device device;
  values.seed = (uint64_t{device()} << 32) | device();
  std::string pattern = scratch + "/run-XXXXXX";
  values.dir = mkdtemp(pattern.data()) != nullptr ? pattern : "mkdtemp-failed-in-" + scratch;
  Say(absl::StrCat(IsWorker() ? "worker-main " : "launcher-main ",
                   Describe(values.run_id, values.seed, values.dir)));
  return values;
}

inline void Report(const std::string& run_id, uint64_t seed, const std::string& dir) {
  Say(absl::StrCat("got ", lp::CurrentNode()->node.ToString(), " ", Describe(run_id, seed, dir),
                   " launch=", lp::LaunchId()));
}

class Recorder {
 public:
  Recorder(std::string run_id, uint64_t seed, std::string dir)
      : run_id_(std::move(run_id)), seed_(seed), dir_(std::move(dir)) {}
  void Run() { Report(run_id_, seed_, dir_); }

 private:
  std::string run_id_;
  uint64_t seed_;
  std::string dir_;
};

// A served node given the values as one LP_SERIALIZABLE struct; it reports, then returns.
class Server {
 public:
  explicit Server(MainValues values) : values_(std::move(values)) {}
  std::string Values() const { return Describe(values_.run_id, values_.seed, values_.dir); }
  void Run() { Report(values_.run_id, values_.seed, values_.dir); }

 private:
  MainValues values_;
};

LP_COURIER_METHODS(Server, Values);

// Every node kind, each given `values`: class/0, function/0, served/0, and the inner nodes
// threads/0/0 (MultiThreadingColocation) and processes/0/0 (MultiProcessingColocation).
inline lp::Program TravelProgram(const MainValues& v) {
  lp::Program program("arguments");
  program.AddNode(lp::ClassNode<Recorder>(v.run_id, v.seed, v.dir), "class");
  program.AddNode(lp::FunctionNode(Report, v.run_id, v.seed, v.dir), "function");
  program.AddNode(lp::CourierNode<Server>(v), "served");
  program.AddNode(lp::MultiThreadingColocation({lp::FunctionNode(Report, v.run_id, v.seed, v.dir)}),
                  "threads");
  program.AddNode(
      lp::MultiProcessingColocation({lp::FunctionNode(Report, v.run_id, v.seed, v.dir)}),
      "processes");
  return program;
}

inline const char* const kTravelNodes[] = {"class/0", "function/0", "served/0", "threads/0/0",
                                           "processes/0/0"};

// A value that cannot travel (not serializable) but prints: what the process it was made
// in is called.
struct ProcessName {
  std::string name;
  friend std::ostream& operator<<(std::ostream& out, const ProcessName& value) {
    return out << value.name;
  }
};

inline void UseProcessName(const ProcessName& name, int count) {
  Say(absl::StrCat("ran ", lp::CurrentNode()->node.ToString(), " with ", name.name, " ", count));
}

// Whether this process is a worker of a node of `group` (local: LP_NODE; Slurm: the task
// of a group's job, LP_NODE_GROUP).
inline bool IsWorkerOf(const std::string& group) {
  const char* node = std::getenv("LP_NODE");
  const char* task_group = std::getenv("LP_NODE_GROUP");
  return (node != nullptr && std::string(node).rfind(group + "/", 0) == 0) ||
         (node == nullptr && task_group != nullptr && task_group == group);
}

inline void SayRan(int index) {
  Say(absl::StrCat("ran ", lp::CurrentNode()->node.ToString(), " ", index));
}

// "differs": node checked/0 is given a ProcessName computed in main() — in every process
// another — beside a serializable int; bystander/0..2 have nothing wrong with them. The
// launch must fail before any node runs: checked/0's, and the bystanders' too. The worker
// of checked/0 takes a second longer in main(), so that the bystanders' workers are ready
// well before it: they would have run, but for the wait for every worker.
inline lp::Program DiffersProgram() {
  if (IsWorkerOf("checked")) std::this_thread::sleep_for(std::chrono::seconds(1));
  lp::Program program("differs");
  {
    auto group = program.Group("bystander");
    for (int i = 0; i < 3; ++i) program.AddNode(lp::FunctionNode(SayRan, i));
  }
  program.AddNode(lp::FunctionNode(UseProcessName, ProcessName{absl::StrCat("pid-", getpid())}, 7),
                  "checked");
  return program;
}

// "sweep": two programs launched one after the other, each of two nodes that print
// "launch <program> <node> id=<lp::LaunchId()>"; after each launch the launcher's main
// prints "sweep <program> launcher id=<lp::LaunchId()>".
inline void PrintLaunch(const std::string& program) {
  Say(absl::StrCat("launch ", program, " ", lp::CurrentNode()->node.ToString(),
                   " id=", lp::LaunchId()));
}

inline int RunSweep(const lp::LaunchOptions& options) {
  for (const char* name : {"sweep_a", "sweep_b"}) {
    lp::Program program(name);
    program.AddNode(lp::FunctionNode(PrintLaunch, std::string(name)), "first");
    program.AddNode(lp::FunctionNode(PrintLaunch, std::string(name)), "second");
    if (int code = lp::LaunchAndWait(std::move(program), options); code != 0) return code;
    // (A worker of sweep_b gets past sweep_a here too, with nothing launched: "".)
    if (!IsWorker()) Say(absl::StrCat("sweep ", name, " launcher id=", lp::LaunchId()));
  }
  return 0;
}

// ---- For the tests, which read the children's output ----

struct TravelOutput {
  std::string launcher;                        // "run_id=... seed=... dir=..."
  std::vector<std::string> workers;            // what each worker's main() computed
  std::map<std::string, std::string> got;      // by node: the values it got
  std::map<std::string, std::string> launch;   // by node: its lp::LaunchId()
};

inline TravelOutput ParseTravelOutput(const std::string& output) {
  static const std::regex kMain(R"((launcher|worker)-main (run_id=\S+ seed=\S+ dir=\S+))");
  static const std::regex kGot(R"(got (\S+) (run_id=\S+ seed=\S+ dir=\S+) launch=(\S*))");
  TravelOutput parsed;
  for (auto it = std::sregex_iterator(output.begin(), output.end(), kMain);
       it != std::sregex_iterator(); ++it) {
    if ((*it)[1].str() == "launcher") {
      parsed.launcher = (*it)[2].str();
    } else {
      parsed.workers.push_back((*it)[2].str());
    }
  }
  for (auto it = std::sregex_iterator(output.begin(), output.end(), kGot);
       it != std::sregex_iterator(); ++it) {
    parsed.got[(*it)[1].str()] = (*it)[2].str();
    parsed.launch[(*it)[1].str()] = (*it)[3].str();
  }
  return parsed;
}

// The ids of a sweep's output: by program, the ids its nodes printed (by node) and the one
// main() printed after the launch.
struct SweepIds {
  std::map<std::string, std::map<std::string, std::string>> nodes;
  std::map<std::string, std::string> launcher;
};

inline SweepIds ParseSweepOutput(const std::string& output) {
  static const std::regex kNode(R"(launch (\S+) (\S+) id=(\S*))");
  static const std::regex kLauncher(R"(sweep (\S+) launcher id=(\S*))");
  SweepIds ids;
  for (auto it = std::sregex_iterator(output.begin(), output.end(), kNode);
       it != std::sregex_iterator(); ++it) {
    ids.nodes[(*it)[1].str()][(*it)[2].str()] = (*it)[3].str();
  }
  for (auto it = std::sregex_iterator(output.begin(), output.end(), kLauncher);
       it != std::sregex_iterator(); ++it) {
    ids.launcher[(*it)[1].str()] = (*it)[2].str();
  }
  return ids;
}

// Runs the program of `mode` ("travel", "differs", "sweep") and returns the exit code;
// nullopt for another mode. `scratch`: where "travel"'s main() makes its directory.
inline std::optional<int> RunMode(const std::string& mode, const std::string& scratch,
                                  const lp::LaunchOptions& options) {
  if (mode == "travel") {
    return lp::LaunchAndWait(TravelProgram(ComputeMainValues(scratch)), options);
  }
  if (mode == "differs") return lp::LaunchAndWait(DiffersProgram(), options);
  if (mode == "sweep") return RunSweep(options);
  return std::nullopt;
}

}  // namespace lp_test_arguments

#endif  // LP_TESTS_SUPPORT_ARGUMENTS_PROGRAM_H_
