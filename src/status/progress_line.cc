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
  thread_ = std::thread([this] { Follow(); });
}

ProgressLine::~ProgressLine() {
  done_.store(true);
  thread_.join();
}

void ProgressLine::Follow() {
  const int total = board_.NumNodes();
  int shown = -1;
  bool visible = false;
  while (!done_.load()) {
    const int64_t version = board_.Version();
    const ProgramStatus status = board_.Snapshot();
    int registered = 0;
    for (const NodeStatus& node : status.nodes) {
      if (node.state != NodeState::kStarting) ++registered;
    }
    if (status.stopping || status.ended || registered == total) break;
    if (registered != shown) {
      // \r and "erase to the end of the line": the line is rewritten where it stands.
      absl::FPrintF(out_, "\rlp: program '%s': %d/%d nodes registered\033[K", program_name_,
                    registered, total);
      std::fflush(out_);
      shown = registered;
      visible = true;
    }
    board_.WaitForChange(version, absl::Now() + kRefresh);
  }
  if (visible) {
    absl::FPrintF(out_, "\r\033[K");
    std::fflush(out_);
  }
}

}  // namespace lp::internal
