#include "src/launch/worker_command.h"

#include <unistd.h>

#include <climits>
#include <fstream>
#include <iterator>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "src/core/worker_environment.h"

namespace lp::internal {

absl::StatusOr<std::vector<std::string>> OwnCommandLine() {
  std::ifstream file("/proc/self/cmdline", std::ios::binary);
  const std::string raw((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::vector<std::string> argv;
  size_t start = 0;
  while (start < raw.size()) {
    const size_t end = raw.find('\0', start);
    argv.push_back(raw.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  char exe[PATH_MAX];
  const ssize_t length = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (argv.empty() || length <= 0) {
    return absl::InternalError("cannot read this process's command line from /proc/self");
  }
  argv[0] = std::string(exe, static_cast<size_t>(length));
  return argv;
}

SpawnSpec MakeWorkerSpec(const WorkerCommandInputs& inputs) {
  SpawnSpec spec;
  if (inputs.config != nullptr) {
    spec.argv = inputs.config->wrapper;
  }
  spec.argv.insert(spec.argv.end(), inputs.base_argv.begin(), inputs.base_argv.end());
  if (inputs.config != nullptr) {
    if (!inputs.args_for_scripts_only) {
      for (const auto& [key, value] : inputs.config->args) {
        spec.argv.push_back(absl::StrCat("--", key, "=", value));
      }
    }
    if (!inputs.config->args.empty()) {
      spec.env_overrides.emplace_back(kGroupArgsEnv, EncodeGroupArgs(inputs.config->args));
    }
    for (const auto& [key, value] : inputs.config->env) spec.env_overrides.emplace_back(key, value);
  }
  // Last, so that a group's env cannot make the process forget it is a worker.
  spec.env_overrides.insert(spec.env_overrides.end(), inputs.worker_env.begin(),
                            inputs.worker_env.end());
  return spec;
}

}  // namespace lp::internal
