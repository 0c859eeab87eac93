// KeepGrpcInitialized: gRPC stays initialised for the life of the process.
//
// gRPC tears its library down when the last gRPC object is destroyed, and that teardown
// joins its executor threads, which can block for up to ~10 s (an idle poll timeout).
// Launchpad creates and destroys servers and channels freely (every test does), so each
// teardown could stall. We initialise gRPC once and never shut it down; the OS reclaims
// everything at exit.
#ifndef LP_SRC_COURIER_RPC_GRPC_LIBRARY_H_
#define LP_SRC_COURIER_RPC_GRPC_LIBRARY_H_

namespace lp::rpc {

// Thread-safe; cheap after the first call.
void KeepGrpcInitialized();

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_GRPC_LIBRARY_H_
