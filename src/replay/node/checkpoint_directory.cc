#include "src/replay/node/checkpoint_directory.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <system_error>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/match.h"

namespace lp::replay {
namespace {

constexpr char kHeader[] = "launchpad-cpp replay checkpoint 1\n";
constexpr char kTrailer[] = "end of checkpoint, tables: ";
constexpr char kPrefix[] = "checkpoint-";
constexpr char kSuffix[] = ".replay";

absl::Status ErrnoError(const std::string& what, const std::string& path) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

// Writes all of `data` to `fd`.
absl::Status WriteAll(int fd, const char* data, size_t size, const std::string& path) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot write", path);
    }
    data += written;
    size -= static_cast<size_t>(written);
  }
  return absl::OkStatus();
}

std::string LengthBytes(uint64_t length) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((length >> (8 * i)) & 0xff);
  return bytes;
}

// The file at `path` as written by Write: InvalidArgument (naming what is wrong) for
// anything else, e.g. a truncated copy.
absl::StatusOr<std::vector<TableCheckpoint>> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::string header(sizeof(kHeader) - 1, '\0');
  if (!in.read(header.data(), static_cast<std::streamsize>(header.size())) || header != kHeader) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a replay checkpoint"));
  }
  std::vector<TableCheckpoint> tables;
  for (;;) {
    std::string length_bytes(8, '\0');
    if (!in.read(length_bytes.data(), 8)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": truncated after ", tables.size(),
                                                     " table(s)"));
    }
    if (absl::StartsWith(length_bytes, std::string(kTrailer).substr(0, 8))) {
      std::string rest;
      std::getline(in, rest);
      const std::string trailer = length_bytes + rest;
      int64_t count = -1;
      if (!absl::SimpleAtoi(trailer.substr(sizeof(kTrailer) - 1), &count) ||
          count != static_cast<int64_t>(tables.size())) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": damaged trailer"));
      }
      return tables;
    }
    uint64_t length = 0;
    for (int i = 0; i < 8; ++i) {
      length |= static_cast<uint64_t>(static_cast<unsigned char>(length_bytes[i])) << (8 * i);
    }
    if (length > (uint64_t{2} << 30)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": damaged (a table of ", length,
                                                     " bytes)"));
    }
    std::string bytes(length, '\0');
    if (!in.read(bytes.data(), static_cast<std::streamsize>(length))) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": truncated in table ",
                                                     tables.size() + 1));
    }
    TableCheckpoint& table = tables.emplace_back();
    if (!table.ParseFromString(bytes)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": table ", tables.size(),
                                                     " does not parse"));
    }
  }
}

}  // namespace

CheckpointDirectory::CheckpointDirectory(std::string directory, int keep)
    : directory_(std::move(directory)), keep_(std::max(keep, 1)) {}

std::string CheckpointDirectory::PathOf(int64_t number) const {
  return absl::StrFormat("%s/%s%012d%s", directory_, kPrefix, number, kSuffix);
}

std::vector<int64_t> CheckpointDirectory::Numbers() const {
  std::vector<int64_t> numbers;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory_, error)) {
    const std::string name = entry.path().filename().string();
    if (!absl::StartsWith(name, kPrefix) || !absl::EndsWith(name, kSuffix)) continue;
    int64_t number = 0;
    const std::string digits = name.substr(sizeof(kPrefix) - 1,
                                           name.size() - (sizeof(kPrefix) - 1) - (sizeof(kSuffix) - 1));
    if (absl::SimpleAtoi(digits, &number)) numbers.push_back(number);
  }
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

absl::StatusOr<std::string> CheckpointDirectory::Write(const std::vector<TableCheckpoint>& tables) {
  std::lock_guard<std::mutex> lock(mu_);
  std::error_code error;
  std::filesystem::create_directories(directory_, error);
  if (error) {
    return absl::InternalError(absl::StrCat("cannot create the checkpoint directory ",
                                            directory_, ": ", error.message()));
  }
  const std::vector<int64_t> numbers = Numbers();
  const int64_t number = numbers.empty() ? 1 : numbers.back() + 1;
  const std::string path = PathOf(number);
  const std::string temporary =
      absl::StrFormat("%s/.%s%012d%s.tmp-%d", directory_, kPrefix, number, kSuffix, getpid());

  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("cannot create", temporary);
  absl::Status status = WriteAll(fd, kHeader, sizeof(kHeader) - 1, temporary);
  for (const TableCheckpoint& table : tables) {
    if (!status.ok()) break;
    const std::string length = LengthBytes(table.ByteSizeLong());
    status = WriteAll(fd, length.data(), length.size(), temporary);
    // Straight to the file: no second copy of the table's data in memory.
    if (status.ok() && !table.SerializeToFileDescriptor(fd)) {
      status = absl::InternalError(absl::StrCat("cannot write table '", table.config().name(),
                                                "' to ", temporary));
    }
  }
  if (status.ok()) {
    const std::string trailer = absl::StrCat(kTrailer, tables.size(), "\n");
    status = WriteAll(fd, trailer.data(), trailer.size(), temporary);
  }
  if (status.ok() && ::fsync(fd) != 0) status = ErrnoError("cannot flush", temporary);
  if (::close(fd) != 0 && status.ok()) status = ErrnoError("cannot close", temporary);
  if (status.ok() && std::rename(temporary.c_str(), path.c_str()) != 0) {
    status = ErrnoError("cannot rename to " + path + ":", temporary);
  }
  if (!status.ok()) {
    std::filesystem::remove(temporary, error);
    return status;
  }
  // The rename itself is durable once the directory is flushed.
  if (const int dir = ::open(directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  std::vector<int64_t> all = Numbers();
  for (size_t i = 0; i + static_cast<size_t>(keep_) < all.size(); ++i) {
    std::filesystem::remove(PathOf(all[i]), error);
  }
  return path;
}

absl::StatusOr<std::optional<LoadedCheckpoint>> CheckpointDirectory::Newest() const {
  std::vector<int64_t> numbers = Numbers();
  for (auto it = numbers.rbegin(); it != numbers.rend(); ++it) {
    const std::string path = PathOf(*it);
    absl::StatusOr<std::vector<TableCheckpoint>> tables = ReadFile(path);
    if (tables.ok()) return LoadedCheckpoint{path, *std::move(tables)};
    std::cerr << "replay: skipping checkpoint " + path + ": " +
                     std::string(tables.status().message()) + "\n";
  }
  return std::nullopt;
}

}  // namespace lp::replay
