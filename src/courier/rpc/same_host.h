// Large tensor arguments between processes of one machine go through shared memory
// instead of the request's bytes (docs/courier.md, "Tensors between processes of one
// machine"). This file decides when: which peers are on this host, and how a server
// tells its callers that it is. shared_tensor_memory.h moves the bytes.
//
// The handshake: a server that receives a request of at least kMinSameHostTensorBytes
// answers with initial metadata kSameHostMetadataKey = "<same-host identity>;<pid>". A
// client whose own identity is the same, and which may read the server's /proc/<pid>/fd
// (the access the server will need to its own descriptors), sends its later large
// tensors through shared memory. A Python peer or a server with the path off says nothing,
// and gets every byte in the request as before.
#ifndef LP_SRC_COURIER_RPC_SAME_HOST_H_
#define LP_SRC_COURIER_RPC_SAME_HOST_H_

#include <cstddef>
#include <string>
#include <string_view>

#include <grpcpp/server_context.h>

namespace lp::rpc {

// A tensor of at least this many bytes goes through shared memory to a same-host server.
// Below it, the request's bytes cost less than the memfd's system calls.
inline constexpr size_t kMinSameHostTensorBytes = size_t{1} << 20;

// The initial metadata by which a server offers the path.
inline constexpr char kSameHostMetadataKey[] = "lp-same-host";

// The client metadata in which a request whose tensors are in shared memory says how many
// bytes they hold: the server weighs the call by them (where to parse it) before it
// parses the request.
inline constexpr char kSharedTensorBytesMetadataKey[] = "lp-shared-tensor-bytes";

// How a server's refusal to read a caller's shared memory starts (FAILED_PRECONDITION):
// the caller then sends its tensors in the request from the next call on.
inline constexpr char kSharedMemoryUnreadable[] = "same-host tensors unreadable: ";

// Whether this process uses the path, as a client and as a server: yes unless the
// environment sets LP_SAME_HOST_TENSORS=0. Read once.
bool SameHostTensorsEnabled();

// "<boot id>/<pid namespace>/<network namespace>/<effective uid>": equal for two
// processes that can read each other's /proc/<pid>/fd as the same user. Processes in
// different network namespaces count as different hosts, so that a test that simulates
// machines with namespaces exercises the network. "" if /proc cannot say (no path).
const std::string& SameHostIdentity();

// What a server puts under kSameHostMetadataKey: "<identity>;<pid>".
std::string SameHostOffer();

// Whether a server's offer (kSameHostMetadataKey's value) lets this process send it
// shared memory: the identities match and this process may list the server's
// /proc/<pid>/fd.
bool AcceptSameHostOffer(std::string_view offer);

// kSharedTensorBytesMetadataKey's value in a call's client metadata; 0 without it.
size_t SharedTensorBytes(const grpc::ServerContextBase& context);

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_SAME_HOST_H_
