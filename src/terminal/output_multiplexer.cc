#include "src/terminal/output_multiplexer.h"

#include <fcntl.h>
#include <poll.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <algorithm>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lp/internal/deadline_wait.h"
#include "src/process/open_file_limit.h"
#include "src/terminal/line_timestamp.h"

namespace lp::internal {
namespace {

// Prefix colours, in order of first appearance; no red, which reads as an error.
constexpr std::array<int, 10> kColours = {36, 33, 32, 35, 34, 96, 93, 92, 95, 94};

// Writes all of `text`, retrying short writes. Output to a closed stream is dropped.
void WriteAll(int fd, const std::string& text) {
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    written += static_cast<size_t>(n);
  }
}

// srun --label starts each line with its task's number, padded to the widest: "  3: ".
// The number, with the label taken off `line`; nullopt (and `line` untouched) for a line
// without one, such as srun's own "srun: error: ...".
std::optional<int> ConsumeTaskLabel(std::string& line) {
  size_t i = 0;
  while (i < line.size() && line[i] == ' ') ++i;
  const size_t digits = i;
  int task = 0;
  while (i < line.size() && absl::ascii_isdigit(static_cast<unsigned char>(line[i])) &&
         i - digits < 9) {
    task = task * 10 + (line[i] - '0');
    ++i;
  }
  if (i == digits || i >= line.size() || line[i] != ':') return std::nullopt;
  ++i;
  if (i < line.size() && line[i] == ' ') ++i;
  line.erase(0, i);
  return task;
}

}  // namespace

OutputMultiplexer::OutputMultiplexer(Options options) : options_(options) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0) {
    wake_read_.Reset(fds[0]);
    wake_write_.Reset(fds[1]);
  }
  thread_ = std::thread([this] { Run(); });
}

OutputMultiplexer::~OutputMultiplexer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  Wake();
  thread_.join();
}

void OutputMultiplexer::Wake() {
  const char byte = 0;
  (void)!write(wake_write_.get(), &byte, 1);  // full pipe: a wake-up is pending anyway
}

OutputMultiplexer::NodeState& OutputMultiplexer::StateOf(const std::string& key) {
  auto it = nodes_.find(key);
  if (it == nodes_.end()) {
    const int colour = kColours[nodes_.size() % kColours.size()];
    it = nodes_.try_emplace(key, options_.recent_lines, colour).first;
  }
  return it->second;
}

void OutputMultiplexer::Add(const std::string& key, UniqueFd fd, Lines lines) {
  {
    std::lock_guard lock(mu_);
    NodeState& state = StateOf(key);
    state.eof = false;
    state.srun_tasks = lines == Lines::kSrunTaskLabels;
    pending_.push_back(
        Stream{key, std::move(fd), LineBuffer(options_.max_line_bytes), lines, {}});
  }
  Wake();
}

absl::StatusOr<UniqueFd> OutputMultiplexer::AddPipe(const std::string& key, Lines lines) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    if (IsOutOfDescriptors(errno)) {
      return OutOfDescriptorsError("cannot create an output pipe", errno);
    }
    return absl::InternalError(
        absl::StrCat("cannot create an output pipe: ", std::strerror(errno)));
  }
  Add(key, UniqueFd(fds[0]), lines);
  return UniqueFd(fds[1]);
}

bool OutputMultiplexer::WaitForEof(const std::string& key, absl::Time deadline) {
  std::unique_lock lock(mu_);
  // Only CloseStream makes this true (nodes are never erased), and it notifies eof_.
  // (WaitUntil is header-only, shared with the coordinator: a deadline on a
  // std::condition_variable.)
  auto done = [this, &key] {
    if (const auto it = nodes_.find(key); it != nodes_.end()) return it->second.eof;
    // A task's key before its first line was read: its srun's pipe says when no more
    // will come.
    if (const size_t slash = key.rfind('/'); slash != std::string::npos) {
      const auto srun = nodes_.find(key.substr(0, slash));
      if (srun != nodes_.end() && srun->second.srun_tasks) return srun->second.eof;
    }
    return true;
  };
  return WaitUntil(eof_, lock, deadline, done);
}

std::vector<std::string> OutputMultiplexer::LastLines(const std::string& key) const {
  std::lock_guard lock(mu_);
  const auto it = nodes_.find(key);
  if (it == nodes_.end()) return {};
  return it->second.recent.Get();
}

void OutputMultiplexer::Run() {
  std::vector<Stream> streams;
  for (;;) {
    bool stopping;
    {
      std::lock_guard lock(mu_);
      for (Stream& stream : pending_) streams.push_back(std::move(stream));
      pending_.clear();
      stopping = stopping_;
    }
    if (stopping) {
      // Print what is already buffered in the pipes, but do not wait for more.
      for (Stream& stream : streams) {
        pollfd poll_fd{stream.fd.get(), POLLIN, 0};
        while (poll(&poll_fd, 1, 0) > 0 && ReadChunk(stream)) {
        }
        CloseStream(stream);
      }
      return;
    }
    std::vector<pollfd> poll_fds;
    poll_fds.push_back({wake_read_.get(), POLLIN, 0});
    for (const Stream& stream : streams) poll_fds.push_back({stream.fd.get(), POLLIN, 0});
    if (poll(poll_fds.data(), poll_fds.size(), -1) < 0) continue;  // EINTR
    if (poll_fds[0].revents != 0) {
      char drain[64];
      while (read(wake_read_.get(), drain, sizeof(drain)) > 0) {
      }
    }
    // Back to front, so that erasing does not shift the entries still to visit.
    for (size_t i = streams.size(); i-- > 0;) {
      if (poll_fds[i + 1].revents == 0) continue;
      if (!ReadChunk(streams[i])) {
        CloseStream(streams[i]);
        streams.erase(streams.begin() + static_cast<ptrdiff_t>(i));
      }
    }
  }
}

bool OutputMultiplexer::ReadChunk(Stream& stream) {
  char buffer[16 * 1024];
  ssize_t n;
  do {
    n = read(stream.fd.get(), buffer, sizeof(buffer));
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return false;
  Print(stream, stream.buffer.Append(absl::string_view(buffer, static_cast<size_t>(n))),
        absl::Now());
  return true;
}

void OutputMultiplexer::CloseStream(Stream& stream) {
  Print(stream, stream.buffer.Finish(), absl::Now());
  stream.fd.Reset();
  // A restarted node opens its file again (appending): a thousand nodes that ended do
  // not hold a thousand descriptors.
  files_.erase(stream.key);
  for (const std::string& key : stream.task_keys) files_.erase(key);
  // Notifying under the lock: a woken waiter may go on to destroy the multiplexer.
  std::lock_guard lock(mu_);
  nodes_.at(stream.key).eof = true;
  for (const std::string& key : stream.task_keys) nodes_.at(key).eof = true;
  eof_.notify_all();
}

int OutputMultiplexer::FileOf(const std::string& key) {
  if (!options_.open_file) return -1;
  auto it = files_.find(key);
  if (it == files_.end()) {
    absl::StatusOr<UniqueFd> file = options_.open_file(key);
    if (!file.ok()) {
      // Said once; the key's lines then go to output_fd rather than nowhere.
      WriteAll(options_.output_fd, absl::StrCat("lp: ", file.status().message(),
                                                "; the output of ", key, " follows here\n"));
    }
    it = files_.emplace(key, file.ok() ? *std::move(file) : UniqueFd()).first;
  }
  return it->second.valid() ? it->second.get() : -1;
}

void OutputMultiplexer::Print(Stream& stream, std::vector<std::string> lines, absl::Time now) {
  if (lines.empty()) return;
  // Each line's node: kOwnKey for the stream's key, else an index in stream.task_keys.
  constexpr size_t kOwnKey = static_cast<size_t>(-1);
  std::vector<size_t> owners(lines.size(), kOwnKey);
  if (stream.lines == Lines::kSrunTaskLabels) {
    for (size_t i = 0; i < lines.size(); ++i) {
      const std::optional<int> task = ConsumeTaskLabel(lines[i]);
      if (!task.has_value()) continue;
      const std::string key = absl::StrCat(stream.key, "/", *task);
      auto known = std::find(stream.task_keys.begin(), stream.task_keys.end(), key);
      owners[i] = static_cast<size_t>(known - stream.task_keys.begin());
      if (known == stream.task_keys.end()) stream.task_keys.push_back(key);
    }
  }
  auto key_of = [&stream](size_t owner) -> const std::string& {
    return owner == kOwnKey ? stream.key : stream.task_keys[owner];
  };
  std::map<size_t, std::string> prefixes;  // by owner
  {
    std::lock_guard lock(mu_);
    for (const size_t owner : owners) {
      if (prefixes.contains(owner)) continue;
      const std::string& key = key_of(owner);
      const int colour = StateOf(key).colour;
      prefixes[owner] = options_.colour ? absl::StrCat("\x1b[", colour, "m[", key, "]\x1b[0m ")
                                        : absl::StrCat("[", key, "] ");
    }
  }
  const std::string stamp = options_.timestamps ? LineTimestamp(now) + " " : "";
  // One write per destination and chunk: whole lines only, and fewer system calls under
  // heavy output.
  std::string text;                       // for output_fd, in the order read
  std::map<int, std::string> file_texts;  // by file descriptor
  for (size_t i = 0; i < lines.size(); ++i) {
    if (const int file = FileOf(key_of(owners[i])); file >= 0) {
      absl::StrAppend(&file_texts[file], stamp, lines[i], "\n");
    } else {
      absl::StrAppend(&text, stamp, prefixes[owners[i]], lines[i], "\n");
    }
  }
  if (!text.empty()) WriteAll(options_.output_fd, text);
  for (const auto& [file, file_text] : file_texts) WriteAll(file, file_text);
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < lines.size(); ++i) {
    nodes_.at(key_of(owners[i])).recent.Add(std::move(lines[i]));
  }
}

}  // namespace lp::internal
