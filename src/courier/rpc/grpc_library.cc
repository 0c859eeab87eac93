#include "src/courier/rpc/grpc_library.h"

#include <grpc/grpc.h>

namespace lp::rpc {

void KeepGrpcInitialized() {
  // One grpc_init() never matched by grpc_shutdown(): gRPC's reference count never
  // drops to zero. (Function-local static: thread-safe initialisation.)
  static const bool initialized = [] {
    grpc_init();
    return true;
  }();
  (void)initialized;
}

}  // namespace lp::rpc
