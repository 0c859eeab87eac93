#include "src/terminal/output_to_files.h"

#include <fcntl.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "src/process/open_file_limit.h"
#include "src/process/process_spawner.h"
#include "src/terminal/child_node_process.h"
#include "src/terminal/names.h"

namespace lp::internal {
namespace {

constexpr size_t kLastLines = 20;
constexpr std::streamoff kTailBytes = 64 * 1024;  // enough for kLastLines normal lines

}  // namespace

OutputToFiles::OutputToFiles(std::string directory, bool timestamps,
                             OutputMultiplexer::Lines lines)
    : directory_(std::move(directory)), lines_(lines) {
  if (!timestamps && lines == OutputMultiplexer::Lines::kOfTheKey) return;
  OutputMultiplexer::Options options;
  options.colour = false;
  options.timestamps = timestamps;
  options.open_file = [this](const std::string& key) { return OpenLogFile(key); };
  multiplexer_ = std::make_unique<OutputMultiplexer>(std::move(options));
}

absl::StatusOr<std::unique_ptr<OutputToFiles>> OutputToFiles::Create(
    const std::string& program_name, const std::string& log_dir, bool timestamps,
    OutputMultiplexer::Lines lines) {
  if (log_dir.empty()) {
    std::string pattern = absl::StrCat("/tmp/", SanitizeName(program_name), "-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) {
      return absl::InternalError(absl::StrCat("output_to_files: cannot create a log "
                                              "directory in /tmp: ", std::strerror(errno)));
    }
    return std::unique_ptr<OutputToFiles>(new OutputToFiles(pattern, timestamps, lines));
  }
  std::error_code error;
  std::filesystem::create_directories(log_dir, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("output_to_files: cannot create the log directory ", log_dir, ": ",
                     error.message(), "; pick another with --lp_log_dir"));
  }
  return std::unique_ptr<OutputToFiles>(
      new OutputToFiles(std::filesystem::absolute(log_dir).string(), timestamps, lines));
}

std::string OutputToFiles::LogPath(const std::string& node_key) const {
  return absl::StrCat(directory_, "/", NodeFileStem(node_key), ".log");
}

std::string OutputToFiles::Banner() const {
  return absl::StrCat("lp: node output is in ", directory_, " (one file per node)");
}

absl::StatusOr<std::unique_ptr<NodeProcess>> OutputToFiles::Launch(
    const std::string& node_key, SpawnSpec spec) {
  spec.output = multiplexer_ == nullptr ? Output::File(LogPath(node_key)) : Output::Pipe();
  absl::StatusOr<SpawnedProcess> process = ProcessSpawner::Global().Spawn(spec);
  if (!process.ok()) return process.status();
  if (multiplexer_ != nullptr) {
    // Every node has its file from the start, as when it writes the file itself; the
    // multiplexer opens it on the first line.
    if (lines_ == OutputMultiplexer::Lines::kOfTheKey) (void)OpenLogFile(node_key);
    multiplexer_->Add(node_key, std::move(process->output), lines_);
  }
  return std::make_unique<ChildNodeProcess>(process->pid);
}

absl::StatusOr<UniqueFd> OutputToFiles::OpenOutput(const std::string& node_key) {
  absl::StatusOr<UniqueFd> file = OpenLogFile(node_key);
  if (multiplexer_ == nullptr || !file.ok()) return file;
  return multiplexer_->AddPipe(node_key, lines_);
}

absl::StatusOr<UniqueFd> OutputToFiles::OpenLogFile(const std::string& node_key) const {
  const std::string path = LogPath(node_key);
  UniqueFd file(open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!file.valid()) {
    if (IsOutOfDescriptors(errno)) {
      return OutOfDescriptorsError(absl::StrCat("cannot open log file ", path), errno);
    }
    return absl::InternalError(
        absl::StrCat("cannot open log file ", path, ": ", std::strerror(errno)));
  }
  return file;
}

std::vector<std::string> OutputToFiles::LastLines(const std::string& node_key) {
  if (multiplexer_ != nullptr) {
    // As CurrentTerminal::LastLines: a second for the last bytes to arrive.
    (void)multiplexer_->WaitForEof(node_key, absl::Now() + absl::Seconds(1));
  }
  return RecentLines(node_key);
}

std::vector<std::string> OutputToFiles::RecentLines(const std::string& node_key) {
  if (multiplexer_ != nullptr) return multiplexer_->LastLines(node_key);
  std::ifstream file(LogPath(node_key), std::ios::binary);
  if (!file) return {};
  file.seekg(0, std::ios::end);
  const std::streamoff size = file.tellg();
  const std::streamoff start = size > kTailBytes ? size - kTailBytes : 0;
  file.seekg(start);
  std::string tail(static_cast<size_t>(size - start), '\0');
  file.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  std::vector<std::string> lines = absl::StrSplit(tail, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();  // the final '\n'
  if (start > 0 && !lines.empty()) lines.erase(lines.begin());   // a cut first line
  if (lines.size() > kLastLines) lines.erase(lines.begin(), lines.end() - kLastLines);
  return lines;
}

}  // namespace lp::internal
