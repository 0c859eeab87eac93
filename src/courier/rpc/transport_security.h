// TransportSecurity: how a launch's gRPC servers and channels protect their connections,
// plain TCP or mutual TLS (lp/tls.h). One value per launch, loaded and checked once when
// the launch starts, then shared by every Courier server, Courier channel and coordinator
// connection of the process.
#ifndef LP_SRC_COURIER_RPC_TRANSPORT_SECURITY_H_
#define LP_SRC_COURIER_RPC_TRANSPORT_SECURITY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "lp/tls.h"

namespace grpc {
class ChannelArguments;
class ChannelCredentials;
class ServerCredentials;
}  // namespace grpc

namespace lp::rpc {

// The PEM contents of a launch's TLS files, checked to fit together.
//
// Thread safety: immutable once loaded; share it freely (by shared_ptr).
struct TransportSecurity {
  std::string certificate_chain;  // PEM
  std::string private_key;        // PEM
  std::string ca_certificates;    // PEM
  std::string server_name;        // empty: check the address's host
  // The files the three were read from, for a process that reads them itself (a Python
  // node's script, src/launch/python_node.cc).
  TlsOptions files;
};

// Reads and checks the files `options` names: all three given, readable, PEM of the
// right kind, the key belonging to the certificate, the certificate chaining to a CA of
// ca_file and valid now, and naming server_name when one is given — so that a mistake
// is a launch error that names the file and what is wrong with it, not a handshake that
// fails later on some host. Null when `options` enables nothing (plain TCP).
absl::StatusOr<std::shared_ptr<const TransportSecurity>> LoadTransportSecurity(
    const TlsOptions& options);

// The credentials a gRPC server listens with: mutual TLS that requires and verifies the
// caller's certificate, or plain TCP when `security` is null.
std::shared_ptr<grpc::ServerCredentials> ServerCredentialsFor(const TransportSecurity* security);

// The credentials a gRPC channel connects with (plain TCP when `security` is null); adds
// to `arguments` the name to check the server's certificate against, when one is given.
std::shared_ptr<grpc::ChannelCredentials> ChannelCredentialsFor(const TransportSecurity* security,
                                                                grpc::ChannelArguments& arguments);

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_TRANSPORT_SECURITY_H_
