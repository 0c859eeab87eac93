#ifndef LP_SRC_TERMINAL_OUTPUT_TO_FILES_H_
#define LP_SRC_TERMINAL_OUTPUT_TO_FILES_H_

#include "src/terminal/terminal.h"

namespace lp::internal {

// output_to_files: each node appends its stdout and stderr to <dir>/<group>.<index>.log.
class OutputToFiles : public Terminal {
 public:
  // Uses `log_dir` (created, with parents, if missing) or, when empty, a fresh
  // /tmp/<program>-XXXXXX.
  static absl::StatusOr<std::unique_ptr<OutputToFiles>> Create(
      const std::string& program_name, const std::string& log_dir);

  TerminalKind kind() const override { return TerminalKind::kOutputToFiles; }
  absl::StatusOr<std::unique_ptr<NodeProcess>> Launch(const std::string& node_key,
                                                      SpawnSpec spec) override;
  // The node's log file, opened for appending.
  absl::StatusOr<UniqueFd> OpenOutput(const std::string& node_key) override;
  // Read from the end of the node's log file.
  std::vector<std::string> LastLines(const std::string& node_key) override;
  std::string Banner() const override;

  const std::string& directory() const { return directory_; }
  std::string LogPath(const std::string& node_key) const;

 private:
  explicit OutputToFiles(std::string directory) : directory_(std::move(directory)) {}
  const std::string directory_;
};

}  // namespace lp::internal

#endif  // LP_SRC_TERMINAL_OUTPUT_TO_FILES_H_
