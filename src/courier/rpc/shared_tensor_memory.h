// The bytes of large tensor arguments through shared memory between two processes of one
// host (same_host.h says when): the caller writes them into a memfd of its own and the
// request names it (courier.SharedMemory) and where each tensor is (courier.SharedTensor);
// the server opens the memfd through /proc/<caller pid>/fd/<fd> and reads them.
//
// Why a memfd the caller keeps, named by its descriptor: it needs no file anybody must
// remove, so a call, caller or server that dies leaves nothing behind; the kernel frees
// the memory with the caller's last descriptor. And why the server reads with pread, not
// a mapping: a caller that shrinks the memfd meanwhile makes the read short (an error for
// that call), where a mapping would take SIGBUS and the whole server with it.
//
// Cost, measured (docs/performance.md, "Tensors between processes of one machine"): two
// copies of the bytes (into the memfd, out of it), against four through gRPC (into its
// slices, through the socket both ways, out of the message), and no TCP or HTTP/2 framing.
#ifndef LP_SRC_COURIER_RPC_SHARED_TENSOR_MEMORY_H_
#define LP_SRC_COURIER_RPC_SHARED_TENSOR_MEMORY_H_

#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "courier/courier.pb.h"

namespace lp::rpc {

// The shared memory of one outgoing call: a memfd from the process's pool that holds the
// call's large tensors. Once the call succeeded, the server has read it, and the memfd
// goes back to the pool (its pages stay allocated, which spares the next call the cost of
// allocating them). After any other end it is closed instead: a server that has not read
// it yet must find it gone (the call then fails there), never reused by another call.
//
// Thread safety: none; it belongs to one call. The pool behind it is thread-safe.
class OutgoingSharedTensors {
 public:
  // Moves every tensor of at least kMinSameHostTensorBytes in `arguments` into shared
  // memory and replaces each by a SharedTensor. nullopt when there is none (nothing
  // changed). An error (no memfd, no memory) leaves `arguments` as they were: the caller
  // sends them the usual way.
  static absl::StatusOr<std::optional<OutgoingSharedTensors>> Move(
      courier::CallArguments& arguments);

  OutgoingSharedTensors(OutgoingSharedTensors&& other) noexcept;
  OutgoingSharedTensors& operator=(OutgoingSharedTensors&& other) noexcept;
  ~OutgoingSharedTensors();  // closes the memfd unless Finish() returned it

  // What the request carries in CallRequest.shared_memory.
  const courier::SharedMemory& descriptor() const { return descriptor_; }

  // How many bytes the memory holds.
  uint64_t size() const { return size_; }

  // The call ended; `succeeded`: with a reply from its server.
  void Finish(bool succeeded);

 private:
  OutgoingSharedTensors(int fd, uint64_t size, courier::SharedMemory descriptor)
      : fd_(fd), size_(size), descriptor_(std::move(descriptor)) {}

  int fd_;  // -1 once finished
  uint64_t size_;
  courier::SharedMemory descriptor_;
};

// A channel's knowledge of its server's offer (same_host.h), used by each of its calls:
// unknown until the reply to a large request says, then yes or no.
//
// Thread safety: thread-safe; calls on any thread share it.
class SameHostPeer {
 public:
  // `enabled`: false never uses the path (CourierChannelOptions::same_host_tensors).
  explicit SameHostPeer(bool enabled) : state_(enabled ? kUnknown : kNotOffered) {}

  // The call with `args` about to be made with `context`: if the server offered it, moves
  // the large tensors into shared memory (and says how many bytes in the call's metadata,
  // kSharedTensorBytesMetadataKey). nullopt otherwise, or when shared memory failed: the
  // tensors then travel in the request, as to any server.
  std::optional<OutgoingSharedTensors> ShareTensors(courier::CallArguments& args,
                                                    grpc::ClientContext& context);

  // The call made with `context` ended with `status`. Ends its shared memory, if any; gives
  // the path up when the server could not read it (FAILED_PRECONDITION starting with
  // kSharedMemoryUnreadable: the next calls send their tensors in the request); else
  // learns the server's offer from the
  // reply to a large request (`request_bytes`).
  void CallEnded(const grpc::ClientContext& context, const grpc::Status& status,
                 size_t request_bytes, std::optional<OutgoingSharedTensors>& shared);

 private:
  enum State : int { kUnknown, kOffered, kNotOffered };
  std::atomic<int> state_;
};

// The server's side: replaces each SharedTensor in `arguments` by the tensor it names,
// read from the caller's shared memory `memory`, checking everything the caller said.
// Errors, each naming what was wrong: FAILED_PRECONDITION, starting with
// kSharedMemoryUnreadable, when the memory is not this host's or cannot be opened or read
// (the caller died, or the descriptor is not the lp memfd named);
// INVALID_ARGUMENT for a tensor outside the memory; RESOURCE_EXHAUSTED when the tensors
// add up to more than `max_bytes` (the server's receive limit; -1: protobuf's 2 GiB).
absl::Status ReceiveSharedTensors(const courier::SharedMemory& memory, int max_bytes,
                                  courier::CallArguments& arguments);

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_SHARED_TENSOR_MEMORY_H_
