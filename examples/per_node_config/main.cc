// per_node_config: per-group command-line flags, environment and wrapper for process
// launches (Launchpad's local_resources). Each node prints the flag values and
// environment variable it was given, and the CPUs it may use (actors run under
// `taskset -c 0`).
//
//   build/examples/per_node_config --lp_launch_type=local_mp

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "lp/lp.h"

ABSL_FLAG(std::string, role, "unset", "Set per group through local_resources.");
ABSL_FLAG(int, batch_size, 0, "Set per group through local_resources.");

namespace {

std::string EnvOr(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : fallback;
}

// The CPUs this process may run on: what a `taskset` wrapper changes.
std::string AllowedCpus() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Cpus_allowed_list:", 0) == 0) return line.substr(line.find_last_of("\t ") + 1);
  }
  return "?";
}

void Report() {
  const lp::NodeContext* node = lp::CurrentNode();
  std::cout << absl::StrCat(node->node.ToString(), ": --role=", absl::GetFlag(FLAGS_role),
                            " --batch_size=", absl::GetFlag(FLAGS_batch_size),
                            " DATASET=", EnvOr("DATASET", "(unset)"),
                            " cpus=", AllowedCpus(), "\n")
            << std::flush;
}

}  // namespace

int main(int argc, char** argv) {
  lp::ParseFlags(argc, argv);
  lp::Program program("per_node_config");
  {
    auto group = program.Group("actor");
    for (int i = 0; i < 2; ++i) program.AddNode(lp::FunctionNode(Report));
  }
  program.AddNode(lp::FunctionNode(Report), "learner");

  lp::LaunchOptions options;
  options.local_resources["actor"] = lp::ProcessConfig{
      .args = {{"role", "actor"}, {"batch_size", "32"}},
      .env = {{"DATASET", "train"}},
      // Any command prefix works: taskset, numactl, valgrind, gdb -batch -ex run --args.
      .wrapper = {"taskset", "-c", "0"}};
  options.local_resources["learner"] = lp::ProcessConfig{
      .args = {{"role", "learner"}, {"batch_size", "256"}},
      .env = {{"DATASET", "replay"}}};
  return lp::LaunchAndWait(std::move(program), options);
}
