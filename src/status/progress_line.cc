#include "src/status/progress_line.h"

#include <utility>

#include "absl/strings/str_format.h"

namespace lp::internal {

namespace {

// How often the line may change at most: faster is only flicker.
constexpr absl::Duration kRefresh = absl::Milliseconds(100);

}  // namespace

ProgressLine::ProgressLine(const StatusBoard& board, std::string program_name, std::FILE* out)
    : board_(board), program_name_(std::move(program_name)), out_(out) {
  // Shown at once, before the first node starts: the line is there however fast they are.
  Show(0);
  thread_ = std::thread([this] { Follow(); });
}

void ProgressLine::Show(int registered) {
  // \r and "erase to the end of the line": the line is rewritten where it stands.
  absl::FPrintF(out_, "\rlp: program '%s': %d/%d nodes registered\033[K", program_name_,
                registered, board_.NumNodes());
  std::fflush(out_);
}

ProgressLine::~ProgressLine() {
  done_.store(true);
  thread_.join();
}

void ProgressLine::Follow() {
  const int total = board_.NumNodes();
  int shown = 0;
  while (!done_.load()) {
    const int64_t version = board_.Version();
    const ProgramStatus status = board_.Snapshot();
    int registered = 0;
    for (const NodeStatus& node : status.nodes) {
      if (node.state != NodeState::kStarting) ++registered;
    }
    if (status.stopping || status.ended || registered == total) break;
    if (registered != shown) {
      Show(registered);
      shown = registered;
    }
    board_.WaitForChange(version, absl::Now() + kRefresh);
  }
  absl::FPrintF(out_, "\r\033[K");
  std::fflush(out_);
}

}  // namespace lp::internal
