// MallocArenaCount: how many malloc arenas this process has now, for tests that bound them.
#ifndef LP_TESTS_SUPPORT_MALLOC_ARENAS_H_
#define LP_TESTS_SUPPORT_MALLOC_ARENAS_H_

#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace lp::testing {

// One <heap nr="..."> element of malloc_info per arena, the main one included; -1 if
// malloc_info cannot be read. (Under a sanitizer, glibc's malloc is not the one in use.)
inline int MallocArenaCount() {
  char* text = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&text, &size);
  if (out == nullptr) return -1;
  const bool written = malloc_info(0, out) == 0;
  std::fclose(out);
  int count = written ? 0 : -1;
  for (const char* at = text; written && (at = std::strstr(at, "<heap nr=")) != nullptr; ++at) {
    ++count;
  }
  std::free(text);
  return count;
}

}  // namespace lp::testing

#endif  // LP_TESTS_SUPPORT_MALLOC_ARENAS_H_
