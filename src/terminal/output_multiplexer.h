#ifndef LP_SRC_TERMINAL_OUTPUT_MULTIPLEXER_H_
#define LP_SRC_TERMINAL_OUTPUT_MULTIPLEXER_H_

#include <unistd.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "src/process/unique_fd.h"
#include "src/terminal/line_buffer.h"

namespace lp::internal {

// Prints the output of many nodes on one stream, line by line, each line prefixed with
// its node: "[group/index] text". One thread reads every node's pipe with poll() and is
// the only writer of the output, so lines never interleave mid-line, however many nodes
// print at once. Nodes may be added at any time (restarts reuse their key).
//
// Thread safety: every public method may be called from any thread. Synchronized with
// std::mutex and std::condition_variable, not absl::Mutex: Debian's Abseil is not built
// for ThreadSanitizer, so TSan cannot see the ordering an absl::Mutex provides.
class OutputMultiplexer {
 public:
  struct Options {
    int output_fd = STDOUT_FILENO;  // not owned
    // Colour each node's prefix (ANSI). Default: when `output_fd` is a terminal.
    bool colour = isatty(STDOUT_FILENO) == 1;
    size_t max_line_bytes = 16 * 1024;  // longer lines are cut into pieces
    size_t recent_lines = 20;           // kept per node for LastLines
  };

  explicit OutputMultiplexer(Options options);
  // Prints what the pipes still hold (without waiting for their EOF), then stops.
  ~OutputMultiplexer();
  OutputMultiplexer(const OutputMultiplexer&) = delete;
  OutputMultiplexer& operator=(const OutputMultiplexer&) = delete;

  // Starts printing what `fd` (a pipe's read end; taken over) delivers as `key`'s lines.
  // Adding a key again (a restarted node) keeps its colour and its recent lines.
  void Add(const std::string& key, UniqueFd fd);

  // True once `key`'s pipe reached EOF and every line was printed; false at `deadline`.
  // EOF comes when every process holding the pipe's write end has closed it: the node,
  // but also anything the node started that still runs.
  bool WaitForEof(const std::string& key, absl::Time deadline);

  // The last lines `key` printed, oldest first (without prefix or colour).
  std::vector<std::string> LastLines(const std::string& key) const;

 private:
  // What other threads may look at, per node.
  struct NodeState {
    explicit NodeState(size_t recent, int colour) : recent(recent), colour(colour) {}
    RecentLines recent;
    int colour;  // ANSI colour code
    bool eof = false;
  };
  // A pipe being read: owned by the reading thread once taken from `pending_`.
  struct Stream {
    std::string key;
    UniqueFd fd;
    LineBuffer buffer;
  };

  void Run();
  // Reads one chunk; false at EOF.
  bool ReadChunk(Stream& stream);
  void Print(const std::string& key, std::vector<std::string> lines);
  void CloseStream(Stream& stream);
  void Wake();

  const Options options_;
  UniqueFd wake_read_, wake_write_;  // Add and the destructor wake the poll()

  mutable std::mutex mu_;
  // Notified (all) under mu_ when a node's `eof` becomes true (WaitForEof).
  std::condition_variable eof_;
  // Guarded by mu_ (the reading thread is woken through wake_write_, not a condition
  // variable):
  std::map<std::string, NodeState> nodes_;  // never erased
  std::vector<Stream> pending_;
  bool stopping_ = false;

  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace lp::internal

#endif  // LP_SRC_TERMINAL_OUTPUT_MULTIPLEXER_H_
