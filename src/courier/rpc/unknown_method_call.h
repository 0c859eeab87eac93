// UnknownMethodCall: how a Courier server answers a call of a gRPC method that none of its
// services has (a typo in a hand-written client, a stranger probing the port): at once,
// UNIMPLEMENTED, with a message that names the method and what the server does serve
// (CourierServiceImpl::TakeCalls asks for these calls through AnsweredOnArrival).
//
// Why lp asks gRPC for these calls itself. Without a generic service, gRPC 1.51 asks for
// them with an object of its own (grpc::Server::UnimplementedAsyncRequest) that gives
// itself to the server's queue from its base class's constructor. When the server is
// shutting down that request fails at once, and another thread polling the queue can take
// it back before the object is whole: it then runs the base class's FinalizeResult, which
// hands out a null tag. A Courier server's queue has several polling threads, so a stop
// that met such a call crashed: a SIGSEGV in about 1 of 1 400 runs of the RL program's
// stop under local_mt on a loaded machine (termination_test, 2026-12-06; the core showed
// one thread inside UnimplementedAsyncRequest's constructor and another with its null
// tag). AnsweredOnArrival's slots give themselves to gRPC only once they are whole.
#ifndef LP_SRC_COURIER_RPC_UNKNOWN_METHOD_CALL_H_
#define LP_SRC_COURIER_RPC_UNKNOWN_METHOD_CALL_H_

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/support/status.h>

namespace lp::rpc {

// The parts of one call of an unknown method (a generic call), for AnsweredOnArrival. Its
// answer never reads the request: gRPC drops what the caller sent.
struct UnknownMethodCall {
  void Finish(const grpc::Status& status, void* tag) { stream.Finish(status, tag); }

  grpc::GenericServerContext context;
  grpc::GenericServerAsyncReaderWriter stream{&context};
};

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_UNKNOWN_METHOD_CALL_H_
