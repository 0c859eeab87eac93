#include "src/terminal/line_buffer.h"

namespace lp::internal {

std::vector<std::string> LineBuffer::Append(absl::string_view data) {
  std::vector<std::string> lines;
  while (!data.empty()) {
    const size_t newline = data.find('\n');
    const size_t room = max_line_bytes_ - partial_.size();
    if (newline != absl::string_view::npos && newline <= room) {
      partial_.append(data.data(), newline);
      lines.push_back(std::move(partial_));
      partial_.clear();
      data.remove_prefix(newline + 1);
    } else if (data.size() > room) {
      // No newline within the limit: emit a full-size piece.
      partial_.append(data.data(), room);
      lines.push_back(std::move(partial_));
      partial_.clear();
      data.remove_prefix(room);
    } else {
      partial_.append(data.data(), data.size());
      data = {};
    }
  }
  return lines;
}

std::vector<std::string> LineBuffer::Finish() {
  if (partial_.empty()) return {};
  std::vector<std::string> lines = {std::move(partial_)};
  partial_.clear();
  return lines;
}

void RecentLines::Add(std::string line) {
  if (capacity_ == 0) return;
  if (lines_.size() == capacity_) lines_.pop_front();
  lines_.push_back(std::move(line));
}

}  // namespace lp::internal
