#include "src/launch/fork_server_protocol.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace lp::internal {
namespace {

struct Header {
  int32_t type;
  int32_t pid;
  int32_t value;
  int32_t descriptors;  // which of ForkMessage's descriptors came along (bits below)
};
// The descriptors travel in this order, each only when valid.
constexpr int32_t kOutputSent = 1;
constexpr int32_t kCoordinatorSent = 2;
constexpr size_t kMaxDescriptors = 2;

absl::Status SocketError(const char* what) {
  return absl::InternalError(absl::StrCat("fork server socket: ", what, ": ",
                                          std::strerror(errno)));
}

}  // namespace

absl::Status SendForkMessage(int socket, const ForkMessage& message) {
  if (message.text.size() > kMaxForkMessageBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("fork server message of ", message.text.size(), " bytes is too long"));
  }
  Header header{message.type, message.pid, message.value, 0};
  int descriptors[kMaxDescriptors];
  int count = 0;
  if (message.fd.valid()) {
    header.descriptors |= kOutputSent;
    descriptors[count++] = message.fd.get();
  }
  if (message.coordinator.valid()) {
    header.descriptors |= kCoordinatorSent;
    descriptors[count++] = message.coordinator.get();
  }
  iovec parts[2] = {{&header, sizeof(header)},
                    {const_cast<char*>(message.text.data()), message.text.size()}};
  msghdr packet{};
  packet.msg_iov = parts;
  packet.msg_iovlen = message.text.empty() ? 1 : 2;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(descriptors))];
  if (count > 0) {
    std::memset(control, 0, sizeof(control));
    packet.msg_control = control;
    packet.msg_controllen = CMSG_SPACE(count * sizeof(int));
    cmsghdr* rights = CMSG_FIRSTHDR(&packet);
    rights->cmsg_level = SOL_SOCKET;
    rights->cmsg_type = SCM_RIGHTS;
    rights->cmsg_len = CMSG_LEN(count * sizeof(int));
    std::memcpy(CMSG_DATA(rights), descriptors, count * sizeof(int));
  }
  ssize_t sent;
  do {
    sent = sendmsg(socket, &packet, MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) return SocketError("send");
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ForkMessage>> ReceiveForkMessage(int socket) {
  // The buffer is as long as the message, no longer: in a fork server every page it
  // writes is shared with the worker it forked last, and costs a copy-on-write fault.
  Header peeked;
  ssize_t length;
  do {
    length = recv(socket, &peeked, sizeof(peeked), MSG_PEEK | MSG_TRUNC);
  } while (length < 0 && errno == EINTR);
  if (length < 0) return SocketError("receive");
  if (length == 0) return std::nullopt;
  if (static_cast<size_t>(length) > sizeof(Header) + kMaxForkMessageBytes) {
    return absl::InternalError("fork server socket: a message too long");
  }
  std::string buffer(static_cast<size_t>(length), '\0');
  iovec part{buffer.data(), buffer.size()};
  msghdr packet{};
  packet.msg_iov = &part;
  packet.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(kMaxDescriptors * sizeof(int))];
  packet.msg_control = control;
  packet.msg_controllen = sizeof(control);
  ssize_t got;
  do {
    got = recvmsg(socket, &packet, MSG_CMSG_CLOEXEC);
  } while (got < 0 && errno == EINTR);
  if (got < 0) return SocketError("receive");
  if (got == 0) return std::nullopt;
  // Owned at once, so that none leaks whatever the message turns out to be. (No more
  // than kMaxDescriptors fit in `control`: more would have set MSG_CTRUNC.)
  UniqueFd received[kMaxDescriptors];
  size_t count = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&packet); c != nullptr; c = CMSG_NXTHDR(&packet, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const size_t in_this = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < in_this && count < kMaxDescriptors; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
      received[count++].Reset(fd);
    }
  }
  if ((packet.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 ||
      static_cast<size_t>(got) < sizeof(Header)) {
    return absl::InternalError("fork server socket: a malformed message");
  }
  Header header;
  std::memcpy(&header, buffer.data(), sizeof(header));
  const size_t expected = ((header.descriptors & kOutputSent) != 0 ? 1 : 0) +
                          ((header.descriptors & kCoordinatorSent) != 0 ? 1 : 0);
  if (count != expected) {
    return absl::InternalError(absl::StrCat("fork server socket: a message with ", count,
                                            " descriptor(s) instead of ", expected));
  }
  ForkMessage message;
  UniqueFd* next = received;
  if ((header.descriptors & kOutputSent) != 0) message.fd = std::move(*next++);
  if ((header.descriptors & kCoordinatorSent) != 0) message.coordinator = std::move(*next++);
  message.type = static_cast<ForkMessage::Type>(header.type);
  message.pid = header.pid;
  message.value = header.value;
  message.text = buffer.substr(sizeof(Header), static_cast<size_t>(got) - sizeof(Header));
  return message;
}

std::string EncodeEnvironment(const std::vector<std::pair<std::string, std::string>>& env) {
  std::string text;
  for (const auto& [key, value] : env) {
    absl::StrAppend(&text, key, "=", value);
    text.push_back('\0');
  }
  return text;
}

std::vector<std::pair<std::string, std::string>> DecodeEnvironment(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> env;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\0', start);
    if (end == std::string::npos) end = text.size();
    const std::string entry = text.substr(start, end - start);
    const size_t equals = entry.find('=');
    if (equals != std::string::npos) env.emplace_back(entry.substr(0, equals), entry.substr(equals + 1));
    start = end + 1;
  }
  return env;
}

}  // namespace lp::internal
