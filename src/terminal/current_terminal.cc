#include "src/terminal/current_terminal.h"

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "src/process/process_spawner.h"
#include "src/terminal/child_node_process.h"

namespace lp::internal {

absl::StatusOr<std::unique_ptr<NodeProcess>> CurrentTerminal::Launch(
    const std::string& node_key, SpawnSpec spec) {
  spec.output = Output::Pipe();
  absl::StatusOr<SpawnedProcess> process = ProcessSpawner::Global().Spawn(spec);
  if (!process.ok()) return process.status();
  multiplexer_.Add(node_key, std::move(process->output), lines_);
  return std::make_unique<ChildNodeProcess>(process->pid);
}

absl::StatusOr<UniqueFd> CurrentTerminal::OpenOutput(const std::string& node_key) {
  return multiplexer_.AddPipe(node_key, lines_);
}

std::vector<std::string> CurrentTerminal::LastLines(const std::string& node_key) {
  // A grandchild still holding the pipe would delay EOF for ever; a second is plenty for
  // the bytes already written to arrive.
  (void)multiplexer_.WaitForEof(node_key, absl::Now() + absl::Seconds(1));
  return RecentLines(node_key);
}

std::vector<std::string> CurrentTerminal::RecentLines(const std::string& node_key) {
  return multiplexer_.LastLines(node_key);
}

}  // namespace lp::internal
