#ifndef LP_SRC_TERMINAL_OUTPUT_TO_FILES_H_
#define LP_SRC_TERMINAL_OUTPUT_TO_FILES_H_

#include <memory>

#include "src/terminal/output_multiplexer.h"
#include "src/terminal/terminal.h"

namespace lp::internal {

// output_to_files: each node appends its stdout and stderr to <dir>/<group>.<index>.log.
// Nodes write their files themselves, unless lines must pass through the launcher: to be
// timestamped, or to be told apart (an srun's tasks, `lines` kSrunTaskLabels: each task's
// lines go to its node's file, srun's own messages to <dir>/<group>.log). Then each
// process writes into a pipe and an OutputMultiplexer writes the files.
class OutputToFiles : public Terminal {
 public:
  // Uses `log_dir` (created, with parents, if missing) or, when empty, a fresh
  // /tmp/<program>-XXXXXX. `timestamps`: every line starts with the time it was read.
  static absl::StatusOr<std::unique_ptr<OutputToFiles>> Create(
      const std::string& program_name, const std::string& log_dir, bool timestamps = false,
      OutputMultiplexer::Lines lines = OutputMultiplexer::Lines::kOfTheKey);

  TerminalKind kind() const override { return TerminalKind::kOutputToFiles; }
  absl::StatusOr<std::unique_ptr<NodeProcess>> Launch(const std::string& node_key,
                                                      SpawnSpec spec) override;
  // The node's log file, opened for appending (or a pipe to the multiplexer).
  absl::StatusOr<UniqueFd> OpenOutput(const std::string& node_key) override;
  // Read from the end of the node's log file (or kept by the multiplexer, untimestamped).
  std::vector<std::string> LastLines(const std::string& node_key) override;
  std::vector<std::string> RecentLines(const std::string& node_key) override;
  std::string Banner() const override;

  const std::string& directory() const { return directory_; }
  std::string LogPath(const std::string& node_key) const;

 private:
  OutputToFiles(std::string directory, bool timestamps, OutputMultiplexer::Lines lines);
  absl::StatusOr<UniqueFd> OpenLogFile(const std::string& node_key) const;

  const std::string directory_;
  const OutputMultiplexer::Lines lines_;
  // Null when the nodes write their files themselves. Last: its thread opens files
  // through OpenLogFile.
  std::unique_ptr<OutputMultiplexer> multiplexer_;
};

}  // namespace lp::internal

#endif  // LP_SRC_TERMINAL_OUTPUT_TO_FILES_H_
