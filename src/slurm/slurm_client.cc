#include "src/slurm/slurm_client.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "src/process/find_program.h"
#include "src/process/run_command.h"

namespace lp::internal {
namespace {

// Slurm's client commands answer in milliseconds; a controller that does not answer at
// all is an error, not a reason to hang the launcher.
constexpr absl::Duration kCommandTimeout = absl::Seconds(30);

// Runs a Slurm command; its output, or an error quoting what it printed.
absl::StatusOr<std::string> RunSlurm(const std::vector<std::string>& argv) {
  absl::StatusOr<CommandResult> result = RunCommand(argv, kCommandTimeout);
  if (!result.ok()) return result.status();
  if (!result->exit.success()) {
    return absl::UnavailableError(absl::StrCat("'", absl::StrJoin(argv, " "), "' failed (",
                                               result->exit.ToString(), "): ",
                                               absl::StripAsciiWhitespace(result->output)));
  }
  return std::move(result->output);
}

}  // namespace

absl::Status CheckSlurmClient() {
  for (const char* command : {"srun", "squeue", "scancel", "sinfo"}) {
    if (!FindProgram(command).ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "launch type slurm needs Slurm's client commands, and '", command,
          "' is not on PATH: run the launcher on a machine of the cluster (a login node), "
          "or install them (Debian: apt-get install slurm-client) and point SLURM_CONF at "
          "the cluster's slurm.conf"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> SlurmPartitions() {
  absl::StatusOr<std::string> output = RunSlurm({"sinfo", "--noheader", "--format=%P"});
  if (!output.ok()) return output.status();
  std::vector<std::string> partitions;
  for (absl::string_view line : absl::StrSplit(*output, '\n', absl::SkipWhitespace())) {
    line = absl::StripAsciiWhitespace(line);
    absl::ConsumeSuffix(&line, "*");
    const std::string name(line);
    if (std::find(partitions.begin(), partitions.end(), name) == partitions.end()) {
      partitions.push_back(name);
    }
  }
  return partitions;
}

absl::StatusOr<std::vector<SlurmJob>> FindSlurmJobs(const std::vector<std::string>& names,
                                                    const std::string& steps_of) {
  std::vector<std::string> argv = {"squeue", "--noheader"};
  if (steps_of.empty()) {
    argv.push_back("--format=%i|%j|%T|%r");
  } else {
    // Steps have no state or reason column: a step in squeue is running.
    argv.insert(argv.end(), {"--steps", absl::StrCat("--jobs=", steps_of), "--format=%i|%j"});
  }
  absl::StatusOr<std::string> output = RunSlurm(argv);
  if (!output.ok()) return output.status();
  std::vector<SlurmJob> jobs;
  for (absl::string_view line : absl::StrSplit(*output, '\n', absl::SkipWhitespace())) {
    std::vector<std::string> fields = absl::StrSplit(absl::StripAsciiWhitespace(line), '|');
    if (fields.size() < 2) continue;
    SlurmJob job{.id = fields[0], .name = fields[1]};
    if (std::find(names.begin(), names.end(), job.name) == names.end()) continue;
    job.state = fields.size() > 2 ? fields[2] : "RUNNING";
    if (fields.size() > 3) job.reason = fields[3];
    jobs.push_back(std::move(job));
  }
  return jobs;
}

absl::Status CancelSlurmJobs(const std::vector<std::string>& ids) {
  if (ids.empty()) return absl::OkStatus();
  std::vector<std::string> argv = {"scancel"};
  argv.insert(argv.end(), ids.begin(), ids.end());
  return RunSlurm(argv).status();
}

}  // namespace lp::internal
