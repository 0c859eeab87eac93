#include "src/launch/launch_index.h"

#include <atomic>

namespace lp::internal {
namespace {

std::atomic<int> g_next_launch_index{0};

}  // namespace

int NextLaunchIndex() { return g_next_launch_index.fetch_add(1); }

void ResetLaunchIndex() { g_next_launch_index = 0; }

}  // namespace lp::internal
