#ifndef LP_SRC_PROCESS_UNIQUE_FD_H_
#define LP_SRC_PROCESS_UNIQUE_FD_H_

#include <unistd.h>

#include <utility>

namespace lp::internal {

// Owns a file descriptor and closes it on destruction, so that pipes handed between the
// spawner, the terminals and the launcher are never leaked nor closed twice.
//
// Thread safety: none; like any value, one owner at a time.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) Reset(other.Release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

  // Gives up ownership without closing.
  int Release() { return std::exchange(fd_, -1); }
  // Closes the current descriptor (if any) and takes `fd`.
  void Reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace lp::internal

#endif  // LP_SRC_PROCESS_UNIQUE_FD_H_
