#include "src/process/malloc_arenas.h"

#include <malloc.h>
#include <sched.h>

#include <algorithm>
#include <cstdio>
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

int LimitMallocArenasToCpus() {
  if (UserChoseArenaLimit()) return 0;
  const int limit = std::max(2, UsableCpus());
  return mallopt(M_ARENA_MAX, limit) == 1 ? limit : 0;
}

int MallocArenaCount() {
  char* text = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&text, &size);
  if (out == nullptr) return -1;
  const bool written = malloc_info(0, out) == 0;
  std::fclose(out);
  int count = written ? 0 : -1;
  // One <heap nr="..."> element per arena, the main one included.
  for (const char* at = text; written && (at = std::strstr(at, "<heap nr=")) != nullptr; ++at) {
    ++count;
  }
  std::free(text);
  return count;
}

}  // namespace lp::internal
