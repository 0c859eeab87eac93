#ifndef LP_SRC_TERMINAL_LINE_BUFFER_H_
#define LP_SRC_TERMINAL_LINE_BUFFER_H_

#include <cstddef>
#include <deque>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace lp::internal {

// Cuts a byte stream into lines, so that output from many nodes can be interleaved line
// by line and never inside a line. A line longer than `max_line_bytes` is cut into
// pieces of that size: a node printing megabytes without a newline must neither exhaust
// memory nor stall everyone else's output.
//
// Thread safety: none; each node's stream has its own buffer, used by one thread.
class LineBuffer {
 public:
  explicit LineBuffer(size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

  // Appends `data`; returns the lines it completed, without their '\n'.
  std::vector<std::string> Append(absl::string_view data);
  // At end of stream: the partial last line, if the stream did not end with '\n'.
  std::vector<std::string> Finish();

 private:
  size_t max_line_bytes_;
  std::string partial_;
};

// The last `capacity` lines of a node's output, oldest first: what the launcher shows
// when the node fails.
//
// Thread safety: none; guarded by its owner.
class RecentLines {
 public:
  explicit RecentLines(size_t capacity) : capacity_(capacity) {}
  void Add(std::string line);
  std::vector<std::string> Get() const { return {lines_.begin(), lines_.end()}; }

 private:
  size_t capacity_;
  std::deque<std::string> lines_;
};

}  // namespace lp::internal

#endif  // LP_SRC_TERMINAL_LINE_BUFFER_H_
