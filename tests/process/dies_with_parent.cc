// A helper for the KillOwnTreeWhenParentDies test: blocks every signal on its main thread
// (as a program that sigwait()s for them would, before any other thread exists), arms
// KillOwnTreeWhenParentDies there, starts a `sleep 1000` child, prints
// "pids: <own> <child>" and waits for ever on that same thread. It has no other thread
// and never exits by itself: only the parent-death signal, taken on its main thread, can
// end it and its child.
#include <signal.h>
#include <unistd.h>

#include <cstdio>

#include "src/process/die_with_parent.h"
#include "src/process/spawn.h"

int main() {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  if (absl::Status armed = lp::internal::KillOwnTreeWhenParentDies(); !armed.ok()) {
    std::fprintf(stderr, "%s\n", armed.ToString().c_str());
    return 1;
  }
  absl::StatusOr<lp::internal::SpawnedProcess> child =
      lp::internal::Spawn({.argv = {"/bin/sleep", "1000"}});
  if (!child.ok()) {
    std::fprintf(stderr, "spawn failed: %s\n", child.status().ToString().c_str());
    return 1;
  }
  std::printf("pids: %d %d\n", static_cast<int>(getpid()), static_cast<int>(child->pid));
  std::fflush(stdout);
  for (;;) pause();
}
