#ifndef LP_SRC_LAUNCH_FORK_SERVER_PROTOCOL_H_
#define LP_SRC_LAUNCH_FORK_SERVER_PROTOCOL_H_

// What a launcher and its fork server (fork_server.h) say to each other, over a
// SOCK_SEQPACKET socketpair: one message per packet, so that a descriptor sent with a
// message (SCM_RIGHTS) arrives with that message and no other.
//
//   server -> launcher, once:  kReady, or kUnavailable with the reason (then it exits)
//   launcher -> server:        kFork: `text` the node's variables ("K=V\0K=V\0..."), `fd`
//                              the descriptor for its stdout and stderr, `coordinator`
//                              the worker's end of its own connection to the coordinator
//   server -> launcher:        kForked with the worker's `pid`, or kForkFailed with
//                              `value` errno and `text` what failed; in request order
//   server -> launcher:        kExited with `pid` and `value` its raw wait status, once per
//                              forked worker, after the kForked that named it

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "src/process/unique_fd.h"

namespace lp::internal {

struct ForkMessage {
  enum Type : int32_t {
    kReady = 1,
    kUnavailable = 2,
    kFork = 3,
    kForked = 4,
    kForkFailed = 5,
    kExited = 6,
  };
  Type type = kReady;
  pid_t pid = 0;
  int32_t value = 0;
  std::string text;
  // Sent along (SCM_RIGHTS) when valid, either or both; received close-on-exec.
  UniqueFd fd;
  UniqueFd coordinator;
};

// Why a ThreadSanitizer build has no fork servers (the server refuses, and the launcher
// does not start one).
inline constexpr char kNoForkServerUnderTsan[] =
    "ThreadSanitizer does not support a process forking workers that start threads";

// Messages are small (a node's variables); a longer text is refused.
inline constexpr size_t kMaxForkMessageBytes = 60 * 1024;

// Sends `message` on the seqpacket `socket`, retrying on EINTR. Never raises SIGPIPE.
absl::Status SendForkMessage(int socket, const ForkMessage& message);

// The next message, or nullopt once the peer closed its end. Blocks.
absl::StatusOr<std::optional<ForkMessage>> ReceiveForkMessage(int socket);

// "K=V\0K=V\0" and back: the variables of kFork.
std::string EncodeEnvironment(const std::vector<std::pair<std::string, std::string>>& env);
std::vector<std::pair<std::string, std::string>> DecodeEnvironment(const std::string& text);

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_FORK_SERVER_PROTOCOL_H_
