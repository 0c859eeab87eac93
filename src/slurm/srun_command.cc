#include "src/slurm/srun_command.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace lp::internal {
namespace {

std::optional<int64_t> EnvNumber(const char* name) {
  const char* value = std::getenv(name);
  int64_t number = 0;
  if (value == nullptr || !absl::SimpleAtoi(value, &number) || number <= 0) return std::nullopt;
  return number;
}

std::string Sanitized(const std::string& text) {
  std::string out = text;
  for (char& c : out) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') c = '_';
  }
  return out;
}

bool NeedsQuoting(const std::string& word) {
  if (word.empty()) return true;
  for (char c : word) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        std::string_view("_-./:=,+@%").find(c) == std::string_view::npos) {
      return true;
    }
  }
  return false;
}

std::string Quoted(const std::string& word) {
  if (!NeedsQuoting(word)) return word;
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

std::optional<SlurmAllocation> CurrentAllocation() {
  const char* job = std::getenv("SLURM_JOB_ID");
  if (job == nullptr || *job == '\0') return std::nullopt;
  SlurmAllocation allocation{.job_id = job};
  if (std::optional<int64_t> per_cpu = EnvNumber("SLURM_MEM_PER_CPU")) {
    allocation.mem_per_cpu_mib = per_cpu;
  } else if (std::optional<int64_t> per_node = EnvNumber("SLURM_MEM_PER_NODE")) {
    const int64_t cpus = EnvNumber("SLURM_CPUS_ON_NODE").value_or(1);
    allocation.mem_per_cpu_mib = std::max<int64_t>(1, *per_node / cpus);
  }
  return allocation;
}

std::string SlurmJobName(const std::string& program, const std::string& group,
                         const std::string& launch_tag) {
  return absl::StrCat("lp.", Sanitized(program), ".", Sanitized(group), ".", launch_tag);
}

std::vector<std::string> SrunArguments(const SrunInputs& inputs) {
  const SlurmConfig empty;
  const SlurmConfig& config = inputs.config != nullptr ? *inputs.config : empty;
  std::vector<std::string> argv = {
      "srun",
      absl::StrCat("--job-name=", inputs.job_name),
      absl::StrCat("--ntasks=", inputs.ntasks),
      // A failed task must not take its group's other tasks down at once: the launcher
      // stops the whole program, giving every node its termination notice.
      "--kill-on-bad-exit=0",
      // Each output line says which task (node index) printed it.
      "--label",
  };
  auto add = [&argv](const std::string& option, const std::string& value) {
    if (!value.empty()) argv.push_back(absl::StrCat(option, "=", value));
  };
  add("--partition", config.partition);
  if (config.cpus_per_task > 0) add("--cpus-per-task", std::to_string(config.cpus_per_task));
  add("--mem", config.mem);
  add("--gres", config.gres);
  add("--time", config.time);
  if (config.nodes > 0) add("--nodes", std::to_string(config.nodes));
  if (config.ntasks_per_node > 0) add("--ntasks-per-node", std::to_string(config.ntasks_per_node));
  add("--constraint", config.constraint);
  add("--account", config.account);
  add("--qos", config.qos);
  if (inputs.allocation.has_value()) {
    // A step of the launcher's allocation: only its own share, so that every group's
    // step runs at once. Memory too: by default a step may take all of the allocation's.
    argv.push_back("--exact");
    if (config.mem.empty() && inputs.allocation->mem_per_cpu_mib.has_value()) {
      add("--mem-per-cpu", absl::StrCat(*inputs.allocation->mem_per_cpu_mib, "M"));
    }
  }
  argv.insert(argv.end(), config.extra_args.begin(), config.extra_args.end());
  return argv;
}

std::string ShellCommand(const std::vector<std::pair<std::string, std::string>>& env,
                         const std::vector<std::string>& argv) {
  std::vector<std::string> words;
  for (const auto& [key, value] : env) words.push_back(absl::StrCat(key, "=", Quoted(value)));
  for (const std::string& word : argv) words.push_back(Quoted(word));
  return absl::StrJoin(words, " ");
}

}  // namespace lp::internal
