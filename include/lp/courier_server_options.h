// CourierServerOptions: how a CourierServer is built.
#ifndef LP_COURIER_SERVER_OPTIONS_H_
#define LP_COURIER_SERVER_OPTIONS_H_

namespace lp {

// The defaults and the reasons for them: docs/courier.md, "Limits and security".
struct CourierServerOptions {
  // How many handler calls may run (and block) at the same time.
  //
  // The server runs each call on a thread of gRPC's synchronous server, which creates
  // threads on demand. With N > 0, at least N handler calls can block concurrently; a call
  // arriving while N handlers are running is answered RESOURCE_EXHAUSTED by gRPC without
  // running its handler (calls are not queued). (Implementation: one completion queue,
  // one spare polling thread, and a grpc::ResourceQuota of N + 1 threads.)
  // 0 means no limit: gRPC creates as many threads as there are concurrent calls.
  // The default bounds the threads a node can be made to create; a batched method needs
  // at least its batch size.
  int max_concurrent_handlers = 1024;

  // Largest message accepted / sent, in bytes; -1 means no limit beyond protobuf's own
  // 2 GiB - 1, the default: any message protobuf can encode passes, so large tensors
  // do (gRPC's own 4 MiB default would reject ordinary ones). A reply over the send
  // limit fails its call with RESOURCE_EXHAUSTED naming the method and the size.
  int max_receive_message_bytes = -1;
  int max_send_message_bytes = -1;

  // Accept requests compressed by the caller (gzip, deflate). Off by default: gRPC
  // inflates a compressed message completely before it applies the receive limit, so a
  // small request could make the server allocate gigabytes. Off, such a request fails
  // with UNIMPLEMENTED before it is inflated. Turn on only for trusted callers.
  bool accept_compressed_requests = false;

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

#endif  // LP_COURIER_SERVER_OPTIONS_H_
