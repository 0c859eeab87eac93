#include "src/terminal/output_multiplexer.h"

#include <fcntl.h>
#include <poll.h>

#include <array>
#include <cerrno>

#include "absl/strings/str_cat.h"
#include "lp/internal/deadline_wait.h"

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

void OutputMultiplexer::Add(const std::string& key, UniqueFd fd) {
  {
    std::lock_guard lock(mu_);
    auto it = nodes_.find(key);
    if (it == nodes_.end()) {
      const int colour = kColours[nodes_.size() % kColours.size()];
      it = nodes_.try_emplace(key, options_.recent_lines, colour).first;
    }
    it->second.eof = false;
    pending_.push_back(Stream{key, std::move(fd), LineBuffer(options_.max_line_bytes)});
  }
  Wake();
}

bool OutputMultiplexer::WaitForEof(const std::string& key, absl::Time deadline) {
  std::unique_lock lock(mu_);
  // Only CloseStream makes this true (nodes are never erased), and it notifies eof_.
  // (WaitUntil is header-only, shared with the coordinator: a deadline on a
  // std::condition_variable.)
  auto done = [this, &key] {
    const auto it = nodes_.find(key);
    return it == nodes_.end() || it->second.eof;
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
  Print(stream.key, stream.buffer.Append(absl::string_view(buffer, static_cast<size_t>(n))));
  return true;
}

void OutputMultiplexer::CloseStream(Stream& stream) {
  Print(stream.key, stream.buffer.Finish());
  stream.fd.Reset();
  // Notifying under the lock: a woken waiter may go on to destroy the multiplexer.
  std::lock_guard lock(mu_);
  nodes_.at(stream.key).eof = true;
  eof_.notify_all();
}

void OutputMultiplexer::Print(const std::string& key, std::vector<std::string> lines) {
  if (lines.empty()) return;
  int colour;
  {
    std::lock_guard lock(mu_);
    colour = nodes_.at(key).colour;
  }
  const std::string prefix = options_.colour
                                 ? absl::StrCat("\x1b[", colour, "m[", key, "]\x1b[0m ")
                                 : absl::StrCat("[", key, "] ");
  // One write per chunk: whole lines only, and fewer system calls under heavy output.
  std::string text;
  for (const std::string& line : lines) absl::StrAppend(&text, prefix, line, "\n");
  WriteAll(options_.output_fd, text);
  std::lock_guard lock(mu_);
  RecentLines& recent = nodes_.at(key).recent;
  for (std::string& line : lines) recent.Add(std::move(line));
}

}  // namespace lp::internal
