// CourierServerOptions: how a CourierServer is built.
#ifndef LP_SRC_COURIER_RPC_SERVER_OPTIONS_H_
#define LP_SRC_COURIER_RPC_SERVER_OPTIONS_H_

namespace lp {

struct CourierServerOptions {
  // How many handler calls may run (and block) at the same time.
  //
  // The server runs each call on a thread of gRPC's synchronous server, which creates
  // threads on demand. With N > 0, at least N handler calls can block concurrently; a call
  // arriving while N handlers are running is answered RESOURCE_EXHAUSTED by gRPC without
  // running its handler. (Implementation: one completion queue, one spare polling thread,
  // and a grpc::ResourceQuota of N + 1 threads.)
  // 0 means no limit: gRPC creates as many threads as there are concurrent calls.
  int max_concurrent_handlers = 0;

  // Largest message accepted / sent, in bytes; -1 means no limit beyond protobuf's own
  // 2 GiB. gRPC's 4 MiB default would reject ordinary tensors.
  int max_receive_message_bytes = -1;
  int max_send_message_bytes = -1;

  // Serve the standard grpc.health.v1.Health service (see CourierServer::SetServing).
  // gRPC enables it process-wide: once any server asked for it, later ones have it too.
  bool enable_health_check = true;

  // Refuse calls that do not carry the server's secret (CourierServer::SetSecret; a
  // CourierNode's server has its launch's) with UNAUTHENTICATED. false makes the node
  // public: anyone who can reach its port may call every method. The health service
  // never asks for the secret (it tells only whether the server serves).
  bool require_secret = true;
};

}  // namespace lp

#endif  // LP_SRC_COURIER_RPC_SERVER_OPTIONS_H_
