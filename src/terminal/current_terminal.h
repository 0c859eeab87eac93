#ifndef LP_SRC_TERMINAL_CURRENT_TERMINAL_H_
#define LP_SRC_TERMINAL_CURRENT_TERMINAL_H_

#include "src/terminal/output_multiplexer.h"
#include "src/terminal/terminal.h"

namespace lp::internal {

// current_terminal: every node writes into a pipe; one OutputMultiplexer prints their
// lines on the launcher's stdout as "[group/index] line", coloured per node on a tty.
class CurrentTerminal : public Terminal {
 public:
  // `lines`: kSrunTaskLabels when each process is an srun whose tasks' lines are told
  // apart as "[group/task]".
  explicit CurrentTerminal(OutputMultiplexer::Options options,
                           OutputMultiplexer::Lines lines = OutputMultiplexer::Lines::kOfTheKey)
      : lines_(lines), multiplexer_(std::move(options)) {}

  TerminalKind kind() const override { return TerminalKind::kCurrentTerminal; }
  absl::StatusOr<std::unique_ptr<NodeProcess>> Launch(const std::string& node_key,
                                                      SpawnSpec spec) override;
  // A pipe's write end; its lines are printed like a launched node's.
  absl::StatusOr<UniqueFd> OpenOutput(const std::string& node_key) override;
  // Waits briefly (up to a second) for the node's pipe to drain first, so that the lines
  // it printed just before dying are included.
  std::vector<std::string> LastLines(const std::string& node_key) override;
  std::vector<std::string> RecentLines(const std::string& node_key) override;
  std::string Banner() const override { return ""; }

 private:
  const OutputMultiplexer::Lines lines_;
  OutputMultiplexer multiplexer_;
};

}  // namespace lp::internal

#endif  // LP_SRC_TERMINAL_CURRENT_TERMINAL_H_
