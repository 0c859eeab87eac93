// A helper for the kill_on_parent_death test: starts two `sleep 1000` children through
// ProcessSpawner (from a thread that ends at once, to prove the spawner's thread is what
// counts), prints "pids: <a> <b>" and waits to be killed.
#include <unistd.h>

#include <cstdio>
#include <thread>
#include <vector>

#include "src/process/process_spawner.h"

int main() {
  std::vector<pid_t> pids;
  std::thread short_lived([&pids] {
    for (int i = 0; i < 2; ++i) {
      lp::internal::SpawnSpec spec;
      spec.argv = {"/bin/sleep", "1000"};
      absl::StatusOr<lp::internal::SpawnedProcess> child =
          lp::internal::ProcessSpawner::Global().Spawn(spec);
      if (!child.ok()) {
        std::fprintf(stderr, "spawn failed: %s\n", child.status().ToString().c_str());
        _exit(1);
      }
      pids.push_back(child->pid);
    }
  });
  short_lived.join();
  std::printf("pids: %d %d\n", pids[0], pids[1]);
  std::fflush(stdout);
  for (;;) pause();
}
