#ifndef LP_TLS_H_
#define LP_TLS_H_

#include <string>

namespace lp {

// Mutual TLS for all of a launch's gRPC traffic: every Courier call between nodes (and
// from the launcher) and every call to the coordinator. Each server presents the
// certificate and asks every caller for one; both must chain to a CA of `ca_file`. The
// files are read when the program launches, by the launcher and by every worker, so under
// Slurm they must be at the same paths on every host (a shared file system).
// docs/courier.md, "TLS".
//
// Set all three files or none: none means plain TCP (the default).
struct TlsOptions {
  std::string certificate_file;  // PEM: the certificate (chain) every server and client presents
  std::string private_key_file;  // PEM: its private key, unencrypted
  std::string ca_file;           // PEM: the CA certificates a peer's certificate must chain to
  // The name clients check a server's certificate against. Empty: the host of the
  // address they connect to (a certificate must then name every host's IP address). Give
  // a name when one certificate serves every host of a cluster under one name.
  std::string server_name;

  bool enabled() const {
    return !certificate_file.empty() || !private_key_file.empty() || !ca_file.empty();
  }
};

}  // namespace lp

#endif  // LP_TLS_H_
