// CourierServerOptions: how a CourierServer is built.
#ifndef LP_COURIER_SERVER_OPTIONS_H_
#define LP_COURIER_SERVER_OPTIONS_H_

namespace lp {

// The defaults and the reasons for them: docs/courier.md, "Limits and security".
struct CourierServerOptions {
  // How many handlers may run at the same time: the size of the server's pool of handler
  // threads. The pool's threads take the calls off the server's gRPC completion queue and
  // run each handler on the thread that took its call; a call that finds every thread
  // busy waits in the pool's queue (holding no thread) until one is free, while one more
  // thread keeps taking calls. Threads start on demand; gRPC's own never run handlers.
  //
  // Waiting on other calls does not count: a handler thread that waits in a synchronous
  // Courier call or on a Future is replaced while it waits (so nodes that call each other
  // in a cycle cannot run out of threads), and a batched method's calls wait for their
  // batch without a thread (lp/batch.h). What the bound limits is handlers that compute
  // or block on something else (disk, a lock, a sleep): 16 of those at once.
  int handler_threads = 16;

  // How many calls the server takes on at once: running on a handler thread or waiting for
  // one. A call beyond them is refused at once with RESOURCE_EXHAUSTED (its handler does
  // not run; the caller may retry), rather than queued without bound: a queued call holds
  // its request bytes. It also caps handler_threads (no more threads than calls).
  // 0 means no limit.
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

// How a CourierServer serves one method (CourierServer::RegisterMethod; for a CourierNode,
// CourierNode<T>::RunInline).
struct CourierMethodOptions {
  // Run the handler at once on the thread that took the call off gRPC's queue, even when
  // every handler thread is busy: handler_threads does not bound inline calls (it still
  // counts them among max_concurrent_handlers). Only for handlers that never block (a
  // quick read of state under a short lock): they are answered while slow calls hold
  // every handler thread, and a thread waiting in one takes no other call. A wait on
  // another node (a synchronous Courier call, a Future) from an inline handler is
  // reported once per method on stderr, and hands the queue to another thread meanwhile.
  // An inline call is also faster: the thread that takes it keeps gRPC's queue while it
  // runs, wakes no other thread to take over, and calls behind it wait the handler's
  // length (docs/performance.md, "Inline calls keep the queue").
  // For a deferred method (CourierServer::RegisterDeferredMethod): its calls of up to
  // 64 KiB are taken at once (the handler decodes and parks them; that step must not
  // block) and end wherever the handler completes them. Batched methods are registered
  // so; work a taken call makes ready (a full batch) goes to the handler threads' queue.
  // max_concurrent_handlers counts a deferred call until it ends.
  bool run_inline = false;
};

// How many handlers `options` lets run at the same time: handler_threads, capped by
// max_concurrent_handlers when that is set.
inline int ConcurrentHandlers(const CourierServerOptions& options) {
  const int limit = options.max_concurrent_handlers;
  return limit > 0 && limit < options.handler_threads ? limit : options.handler_threads;
}

}  // namespace lp

#endif  // LP_COURIER_SERVER_OPTIONS_H_
