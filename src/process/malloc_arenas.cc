#include "src/process/malloc_arenas.h"

#include <malloc.h>
#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace lp::internal {
namespace {

bool UserChoseArenaLimit() {
  if (std::getenv("MALLOC_ARENA_MAX") != nullptr) return true;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  return tunables != nullptr && std::strstr(tunables, "glibc.malloc.arena_max") != nullptr;
}

int UsableCpus() {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  if (sched_getaffinity(0, sizeof(cpus), &cpus) != 0) return 0;
  return CPU_COUNT(&cpus);
}

}  // namespace

void LimitMallocArenasToCpus() {
  if (UserChoseArenaLimit()) return;
  (void)mallopt(M_ARENA_MAX, std::max(2, UsableCpus()));
}

}  // namespace lp::internal
