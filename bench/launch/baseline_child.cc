// bench_launch_child: the baseline of bench_launch. Binds a TCP socket to 127.0.0.1:0,
// listens, writes "<port>\n" to the descriptor named by argv[1] (a pipe to its parent),
// then waits for a signal (SIGTERM ends it by the default action).
//
// Deliberately tiny: plain libc calls, no libraries beyond what any C++ program loads.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const int report_fd = std::atoi(argv[1]);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 3;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) return 4;
  if (listen(fd, 16) != 0) return 5;
  socklen_t length = sizeof(address);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 6;
  char line[16];
  const int n = std::snprintf(line, sizeof(line), "%u\n", ntohs(address.sin_port));
  // One write of a few bytes to a pipe is atomic: lines of several children never mix.
  if (write(report_fd, line, static_cast<size_t>(n)) != n) return 7;
  close(report_fd);
  for (;;) pause();
}
