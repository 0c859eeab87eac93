// The bytes of large tensors through shared memory between two processes of one host
// (same_host.h says when). Arguments: the caller writes them into a memfd of its own and
// the request names it (courier.SharedMemory) and where each tensor is
// (courier.SharedTensor); the server opens the memfd through /proc/<caller pid>/fd/<fd>
// and reads them. Results: the caller lends the server a memfd of its own in the request,
// the server opens it the same way and writes the result's large tensors there, and the
// reply says where each is; the caller reads them once the reply has come.
//
// Why memfds the caller keeps, named by their descriptors, both ways: they need no file
// anybody must remove, so a call, caller or server that dies leaves nothing behind; the
// kernel frees the memory with the caller's last descriptor. A result written by the
// server into memory of its own would have to outlive the server's part of the call,
// until the caller had read it, with nothing to say when that is. And why the server reads with pread, not
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
#include <mutex>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "courier/courier.pb.h"

namespace lp::rpc {

// A memfd of the process's pool held by one outgoing call, in one of two roles: it holds
// the call's large tensor arguments (MoveArguments), or it is lent to the server for the
// result's large tensors (LendForResult). Once the call succeeded and every byte in it has
// been read, the memfd goes back to the pool (its pages stay allocated, which spares the
// next call the cost of allocating them). After any other end it is closed instead: a
// server that has not read or written it yet must find it gone (the call then fails or
// replies through the socket there), never reused by another call.
//
// Thread safety: none; it belongs to one call. The pool behind it is thread-safe.
class CallSharedMemory {
 public:
  // Moves every tensor of at least kMinSameHostTensorBytes in `arguments` into shared
  // memory and replaces each by a SharedTensor. nullopt when there is none (nothing
  // changed). An error (no memfd, no memory) leaves `arguments` as they were: the caller
  // sends them the usual way.
  static absl::StatusOr<std::optional<CallSharedMemory>> MoveArguments(
      courier::CallArguments& arguments);

  // A memfd for the server to write the result's large tensors into (CallRequest.
  // result_memory), which it sizes itself.
  static absl::StatusOr<CallSharedMemory> LendForResult();

  CallSharedMemory(CallSharedMemory&& other) noexcept;
  CallSharedMemory& operator=(CallSharedMemory&& other) noexcept;
  ~CallSharedMemory();  // closes the memfd unless Finish() returned it

  // What the request carries in CallRequest.shared_memory or .result_memory.
  const courier::SharedMemory& descriptor() const { return descriptor_; }

  // How many bytes the memory holds.
  uint64_t size() const { return size_; }

  // Lent memory, once the call succeeded: replaces each SharedTensor in `result` by the
  // tensor it names, read from this memory. Returns how many there were. Errors, each
  // naming what was wrong: INTERNAL for a tensor outside the memory, RESOURCE_EXHAUSTED
  // when the tensors add up to more than `max_bytes` (the caller's receive limit; -1:
  // protobuf's 2 GiB), UNAVAILABLE when the memory cannot be read.
  absl::StatusOr<int> ReceiveResult(courier::SerializedObject& result, int max_bytes);

  // The call ended; `succeeded`: with a reply from its server, all of it read.
  void Finish(bool succeeded);

 private:
  CallSharedMemory(int fd, uint64_t size, courier::SharedMemory descriptor)
      : fd_(fd), size_(size), descriptor_(std::move(descriptor)) {}
  // Holds the pool's memfd `fd` (named `name`, `size` bytes), described for a request.
  static CallSharedMemory Holding(int fd, const std::string& name, uint64_t size);

  int fd_;  // -1 once finished
  uint64_t size_;
  courier::SharedMemory descriptor_;
};

// A channel's knowledge of its server's offer (same_host.h), used by each of its calls:
// unknown until the reply to a large request, or a large reply, says; then yes or no. And
// which methods' results are worth lending memory for: those whose last result brought
// large tensors.
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
  std::optional<CallSharedMemory> ShareTensors(courier::CallArguments& args,
                                               grpc::ClientContext& context);

  // Memory to lend the server for the result of a call to `method`: when the server
  // offered the path and the last result of `method` held large tensors. nullopt
  // otherwise, or when no memfd could be had: the result then comes in the reply.
  std::optional<CallSharedMemory> LendForResult(std::string_view method);

  // The call made with `context` ended with `status`. Ends its shared memory, if any; gives
  // the path up when the server could not read it (FAILED_PRECONDITION starting with
  // kSharedMemoryUnreadable: the next calls send their tensors in the request); else
  // learns the server's offer from the reply to a large request or from a large reply
  // (`request_bytes`, `reply_bytes` as they crossed gRPC).
  void CallEnded(const grpc::ClientContext& context, const grpc::Status& status,
                 size_t request_bytes, size_t reply_bytes,
                 std::optional<CallSharedMemory>& shared);

  // The call to `method` that lent `lent` (if it did) ended with `result`, whose reply was
  // `reply_bytes` on the wire. Reads the result's shared tensors from the lent memory and
  // ends it; learns whether to lend for `method` next time: yes after a reply that carried
  // large bytes through the socket, no more once the lent memory went unused. Errors: the
  // call's own, or ReceiveResult's; INTERNAL for a result that names shared memory the
  // call did not lend.
  absl::StatusOr<courier::SerializedObject> ResultArrived(
      std::string_view method, size_t reply_bytes, std::optional<CallSharedMemory>& lent,
      absl::StatusOr<courier::SerializedObject> result, int max_receive_bytes);

 private:
  enum State : int { kUnknown, kOffered, kNotOffered };
  std::atomic<int> state_;

  // By method: true, lend memory for its result; false, never (the server did not use
  // it although the result was large: not tensors, or it cannot write there). A method
  // that is absent gets none.
  std::mutex lending_mu_;
  absl::flat_hash_map<std::string, bool> lend_for_;  // guarded by lending_mu_
};

// The server's side of arguments: replaces each SharedTensor in `arguments` by the tensor it names,
// read from the caller's shared memory `memory`, checking everything the caller said.
// Errors, each naming what was wrong: FAILED_PRECONDITION, starting with
// kSharedMemoryUnreadable, when the memory is not this host's or cannot be opened or read
// (the caller died, or the descriptor is not the lp memfd named);
// INVALID_ARGUMENT for a tensor outside the memory; RESOURCE_EXHAUSTED when the tensors
// add up to more than `max_bytes` (the server's receive limit; -1: protobuf's 2 GiB).
absl::Status ReceiveSharedTensors(const courier::SharedMemory& memory, int max_bytes,
                                  courier::CallArguments& arguments);

// The server's side of a result, when the caller lent `lent`: writes every tensor of at
// least kMinSameHostTensorBytes in `result` into it and replaces each by a SharedTensor.
// Returns how many bytes it moved (0: none was large). An error (another host, memory that
// is not the caller's lp memfd or cannot be written) leaves `result` as it was, to be sent
// in the reply.
absl::StatusOr<uint64_t> ShareResultTensors(const courier::SharedMemory& lent,
                                            courier::SerializedObject& result);

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_SHARED_TENSOR_MEMORY_H_
