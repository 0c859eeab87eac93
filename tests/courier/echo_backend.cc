// echo_backend: a CourierServer serving "Echo" (its first argument back) and "Patterned"
// (a large tensor for a small request: lp::testing::ReturnPatterned) on a port of
// 127.0.0.1, for tests that need a server in another process. A process of its own, not a
// fork of the test: a process forked after gRPC started lacks gRPC's threads, and its
// server never answers. Prints "echo_backend listening on 127.0.0.1:PORT" once it serves,
// and runs until killed; it dies with its parent.
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>

#include "lp/courier_server.h"
#include "tests/courier/rpc_test_util.h"

int main() {
  // A test that dies (a failed assertion, a timeout's SIGKILL) takes its backend along.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() == 1) return 1;  // the test died before the line above took effect
  lp::CourierServer backend;
  absl::Status registered = backend.RegisterMethod("Echo", lp::testing::EchoFirst);
  if (registered.ok()) {
    registered = backend.RegisterMethod("Patterned", lp::testing::ReturnPatterned);
  }
  if (!registered.ok()) {
    std::fprintf(stderr, "echo_backend: %s\n", registered.ToString().c_str());
    return 1;
  }
  absl::StatusOr<int> port = backend.Start("127.0.0.1:0");
  if (!port.ok()) {
    std::fprintf(stderr, "echo_backend: %s\n", port.status().ToString().c_str());
    return 1;
  }
  std::printf("echo_backend listening on 127.0.0.1:%d\n", *port);
  std::fflush(stdout);
  for (;;) pause();  // until killed
}
