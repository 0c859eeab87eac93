#include "src/courier/rpc/grpc_library.h"

#include <grpc/grpc.h>

#include <cstdlib>
#include <cstring>

#include "absl/synchronization/mutex.h"
#include "src/courier/rpc/lazy_event_engine.h"

namespace lp::rpc {

void KeepGrpcInitialized() {
  // One grpc_init() never matched by grpc_shutdown(): gRPC's reference count never
  // drops to zero. (Function-local static: thread-safe initialisation.)
  static const bool initialized = [] {
    // Debian builds Abseil without NDEBUG, so absl::Mutex checks every lock order for
    // deadlock cycles: 2-3 % of a Courier server's CPU in gRPC's own locks (perf,
    // GraphCycles::GetId, DeadlockCheck), for a debugging aid release builds of Abseil
    // leave off. LP_ABSL_DEADLOCK_DETECTION=1 keeps Abseil's default.
    const char* keep = std::getenv("LP_ABSL_DEADLOCK_DETECTION");
    if (keep == nullptr || std::strcmp(keep, "1") != 0) {
      absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
    }
    // Before gRPC could create its default event engine, whose four threads nothing here
    // uses (lazy_event_engine.h).
    UseLazyEventEngine();
    grpc_init();
    return true;
  }();
  (void)initialized;
}

}  // namespace lp::rpc
