#include "src/courier/rpc/transport_security.h"

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/support/channel_arguments.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"

namespace lp::rpc {
namespace {

// OpenSSL objects, freed by their own functions.
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct StoreFree {
  void operator()(X509_STORE* store) const { X509_STORE_free(store); }
};
struct StoreContextFree {
  void operator()(X509_STORE_CTX* context) const { X509_STORE_CTX_free(context); }
};
struct StackFree {
  void operator()(STACK_OF(X509) * stack) const { sk_X509_free(stack); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Certificate = std::unique_ptr<X509, X509Free>;

// One of the files, for messages: "TLS certificate file '/etc/lp/node.pem' (--lp_tls_cert)".
struct NamedFile {
  const char* what;
  const char* flag;
  const std::string& path;
  std::string Describe() const { return absl::StrCat(what, " file '", path, "' (", flag, ")"); }
};

absl::StatusOr<std::string> ReadWhole(const NamedFile& file) {
  std::ifstream in(file.path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read the ", file.Describe(), ": ", std::strerror(errno)));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

std::unique_ptr<BIO, BioFree> MemoryBio(const std::string& pem) {
  return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Every certificate in `pem`, in order.
std::vector<Certificate> ParseCertificates(const std::string& pem) {
  std::vector<Certificate> certificates;
  auto bio = MemoryBio(pem);
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certificates.emplace_back(cert);
  }
  return certificates;
}

// Refuses to prompt for a passphrase: an encrypted key then fails to load.
int NoPassphrase(char*, int, int, void*) { return -1; }

// Whether `leaf` (with the intermediates after it in `chain`) chains to `cas`, for
// `purpose` (X509_PURPOSE_SSL_SERVER / _CLIENT); otherwise OpenSSL's reason.
absl::Status Verify(const std::vector<Certificate>& chain, const std::vector<Certificate>& cas,
                    int purpose) {
  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  for (const Certificate& ca : cas) X509_STORE_add_cert(store.get(), ca.get());
  std::unique_ptr<STACK_OF(X509), StackFree> intermediates(sk_X509_new_null());
  for (size_t i = 1; i < chain.size(); ++i) sk_X509_push(intermediates.get(), chain[i].get());
  std::unique_ptr<X509_STORE_CTX, StoreContextFree> context(X509_STORE_CTX_new());
  if (store == nullptr || intermediates == nullptr || context == nullptr ||
      X509_STORE_CTX_init(context.get(), store.get(), chain[0].get(), intermediates.get()) != 1) {
    return absl::ResourceExhaustedError("OpenSSL could not allocate a verification context");
  }
  X509_STORE_CTX_set_purpose(context.get(), purpose);
  if (X509_verify_cert(context.get()) == 1) return absl::OkStatus();
  return absl::FailedPreconditionError(
      X509_verify_cert_error_string(X509_STORE_CTX_get_error(context.get())));
}

}  // namespace

absl::StatusOr<std::shared_ptr<const TransportSecurity>> LoadTransportSecurity(
    const TlsOptions& options) {
  if (!options.enabled()) return nullptr;
  const NamedFile cert_file{"TLS certificate", "--lp_tls_cert", options.certificate_file};
  const NamedFile key_file{"TLS private key", "--lp_tls_key", options.private_key_file};
  const NamedFile ca_file{"TLS CA", "--lp_tls_ca", options.ca_file};
  for (const NamedFile* file : {&cert_file, &key_file, &ca_file}) {
    if (file->path.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "TLS needs all three of --lp_tls_cert, --lp_tls_key and --lp_tls_ca, but ",
          file->flag, " (the ", file->what, " file) is not given"));
    }
  }
  auto security = std::make_shared<TransportSecurity>();
  security->server_name = options.server_name;
  security->files = options;
  for (auto [file, contents] : {std::pair{&cert_file, &security->certificate_chain},
                                std::pair{&key_file, &security->private_key},
                                std::pair{&ca_file, &security->ca_certificates}}) {
    absl::StatusOr<std::string> read = ReadWhole(*file);
    if (!read.ok()) return read.status();
    *contents = *std::move(read);
  }

  const std::vector<Certificate> chain = ParseCertificates(security->certificate_chain);
  if (chain.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", cert_file.Describe(), " holds no PEM certificate"));
  }
  const std::vector<Certificate> cas = ParseCertificates(security->ca_certificates);
  if (cas.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", ca_file.Describe(), " holds no PEM certificate"));
  }
  std::unique_ptr<EVP_PKEY, KeyFree> key(PEM_read_bio_PrivateKey(
      MemoryBio(security->private_key).get(), nullptr, NoPassphrase, nullptr));
  if (key == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the ", key_file.Describe(),
        " holds no PEM private key that can be read without a passphrase (an encrypted key "
        "cannot be used: decrypt it, e.g. with `openssl pkey -in key.pem -out plain.pem`)"));
  }
  if (X509_check_private_key(chain[0].get(), key.get()) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("the ", key_file.Describe(),
                                                   " is not the key of the certificate in the ",
                                                   cert_file.Describe()));
  }
  // Every server presents the certificate and every client too, each checked by peers
  // against the same CAs: it must pass as both.
  for (auto [purpose, role] : {std::pair{X509_PURPOSE_SSL_SERVER, "a server"},
                               std::pair{X509_PURPOSE_SSL_CLIENT, "a client"}}) {
    if (absl::Status verified = Verify(chain, cas, purpose); !verified.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the certificate in the ", cert_file.Describe(), " does not pass as ", role,
          "'s against the CAs in the ", ca_file.Describe(), ": ", verified.message(),
          " (peers would refuse it)"));
    }
  }
  if (!options.server_name.empty()) {
    const std::string& name = options.server_name;
    if (X509_check_host(chain[0].get(), name.data(), name.size(), 0, nullptr) != 1 &&
        X509_check_ip_asc(chain[0].get(), name.c_str(), 0) != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the certificate in the ", cert_file.Describe(), " is not valid for the name '",
          name, "' (--lp_tls_server_name): clients would refuse every server; give a name "
          "its subjectAltName lists"));
    }
  }
  return security;
}

std::shared_ptr<grpc::ServerCredentials> ServerCredentialsFor(const TransportSecurity* security) {
  if (security == nullptr) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = security->ca_certificates;
  options.pem_key_cert_pairs.push_back({security->private_key, security->certificate_chain});
  return grpc::SslServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> ChannelCredentialsFor(const TransportSecurity* security,
                                                                grpc::ChannelArguments& arguments) {
  if (security == nullptr) return grpc::InsecureChannelCredentials();
  if (!security->server_name.empty()) arguments.SetSslTargetNameOverride(security->server_name);
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = security->ca_certificates;
  options.pem_private_key = security->private_key;
  options.pem_cert_chain = security->certificate_chain;
  return grpc::SslCredentials(options);
}

}  // namespace lp::rpc
