// ProgressLine: "lp: program 'x': 37/100 nodes registered", rewritten in place on the
// launcher's terminal while a process launch starts its nodes.
#ifndef LP_SRC_STATUS_PROGRESS_LINE_H_
#define LP_SRC_STATUS_PROGRESS_LINE_H_

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>

#include "src/status/status_board.h"

namespace lp::internal {

// Follows `board` on a thread of its own, and rewrites one line of `out` (a terminal) as
// nodes register, until every node has or the program stops; then erases the line, so
// that the nodes' own output is not interleaved with it for the rest of the run.
//
// Thread safety: construct and destroy on one thread; `board` must outlive it.
class ProgressLine {
 public:
  ProgressLine(const StatusBoard& board, std::string program_name, std::FILE* out);
  ~ProgressLine();  // erases the line if it is still shown
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

 private:
  void Follow();
  void Show(int registered);

  const StatusBoard& board_;
  const std::string program_name_;
  std::FILE* const out_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace lp::internal

#endif  // LP_SRC_STATUS_PROGRESS_LINE_H_
