#ifndef LP_SRC_TERMINAL_OUTPUT_MULTIPLEXER_H_
#define LP_SRC_TERMINAL_OUTPUT_MULTIPLEXER_H_

#include <unistd.h>

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "src/process/unique_fd.h"
#include "src/terminal/line_buffer.h"

namespace lp::internal {

// Prints the output of many nodes on one stream, line by line, each line prefixed with
// its node: "[group/index] text" — or writes each node's lines to a file of its own
// (Options::open_file). One thread reads every node's pipe with poll() and is the only
// writer of the output, so lines never interleave mid-line, however many nodes print at
// once. Nodes may be added at any time (restarts reuse their key).
//
// A pipe may carry several nodes' lines in srun's --label form ("  3: text", the task
// number first): each such line is then the line of node "<key>/3", and the others
// (srun's own messages) are the key's.
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
    // Start every line with the time it was read, UTC (LineTimestamp): --lp_log_timestamps.
    bool timestamps = false;
    // When set, a node's lines go, without the "[key]" prefix, to the descriptor this
    // returns for its key, called on the reading thread when the key's first line comes
    // (again after its pipe closed); a key whose file cannot be opened is said so on
    // `output_fd`, where its lines then go as usual.
    std::function<absl::StatusOr<UniqueFd>(const std::string& key)> open_file;
  };

  explicit OutputMultiplexer(Options options);
  // Prints what the pipes still hold (without waiting for their EOF), then stops.
  ~OutputMultiplexer();
  OutputMultiplexer(const OutputMultiplexer&) = delete;
  OutputMultiplexer& operator=(const OutputMultiplexer&) = delete;

  // How the lines of a pipe name their node.
  enum class Lines {
    kOfTheKey,        // every line is the key's
    kSrunTaskLabels,  // srun --label: "  3: text" is "<key>/3"'s, other lines the key's
  };

  // Starts printing what `fd` (a pipe's read end; taken over) delivers as `key`'s lines.
  // Adding a key again (a restarted node) keeps its colour and its recent lines.
  void Add(const std::string& key, UniqueFd fd, Lines lines = Lines::kOfTheKey);
  // A new pipe's write end, whose read end is Add()ed: for a process someone else starts
  // (Terminal::OpenOutput).
  absl::StatusOr<UniqueFd> AddPipe(const std::string& key, Lines lines = Lines::kOfTheKey);

  // True once `key`'s pipe reached EOF and every line was printed (for a task's key, its
  // srun's pipe, even before the task's first line came); false at `deadline`.
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
    bool srun_tasks = false;  // Add()ed with kSrunTaskLabels: "<key>/<task>" keys to come
  };
  // A pipe being read: owned by the reading thread once taken from `pending_`.
  struct Stream {
    std::string key;
    UniqueFd fd;
    LineBuffer buffer;
    Lines lines;
    std::vector<std::string> task_keys;  // the "<key>/<task>" keys its lines named
  };

  void Run();
  // Reads one chunk; false at EOF.
  bool ReadChunk(Stream& stream);
  // Writes `lines`, read from `stream` at `now`, each to its node's output.
  void Print(Stream& stream, std::vector<std::string> lines, absl::Time now);
  // The node state of `key`, made on its first line (a task key's). Requires mu_.
  NodeState& StateOf(const std::string& key);
  // Where `key`'s lines go: its file (Options::open_file), else -1 for output_fd.
  // Reading thread only.
  int FileOf(const std::string& key);
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
  // The reading thread's alone: each key's open file (Options::open_file).
  std::map<std::string, UniqueFd> files_;

  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace lp::internal

#endif  // LP_SRC_TERMINAL_OUTPUT_MULTIPLEXER_H_
