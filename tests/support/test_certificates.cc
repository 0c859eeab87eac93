#include "tests/support/test_certificates.h"

#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"

namespace lp::testing {
namespace {

// `text` quoted for sh.
std::string Quoted(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace

absl::StatusOr<TlsOptions> MakeTestCertificates(const std::string& dir,
                                                const std::vector<std::string>& extra) {
  std::string command = absl::StrCat(LP_SOURCE_DIR, "/scripts/tls/make_certs.sh ", Quoted(dir),
                                     " --name ", kTestServerName);
  for (const std::string& argument : extra) absl::StrAppend(&command, " ", Quoted(argument));
  absl::StrAppend(&command, " 2>&1");
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (pipe == nullptr) return absl::InternalError(absl::StrCat("cannot run ", command));
  std::string output;
  char buffer[512];
  while (size_t got = fread(buffer, 1, sizeof(buffer), pipe.get())) output.append(buffer, got);
  if (pclose(pipe.release()) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(command, " failed: ", output));
  }
  return TlsOptions{.certificate_file = dir + "/node.pem",
                    .private_key_file = dir + "/node.key",
                    .ca_file = dir + "/ca.pem"};
}

std::vector<std::string> TlsFlags(const TlsOptions& options) {
  std::vector<std::string> flags = {
      absl::StrCat("--lp_tls_cert=", options.certificate_file),
      absl::StrCat("--lp_tls_key=", options.private_key_file),
      absl::StrCat("--lp_tls_ca=", options.ca_file),
  };
  if (!options.server_name.empty()) {
    flags.push_back(absl::StrCat("--lp_tls_server_name=", options.server_name));
  }
  return flags;
}

}  // namespace lp::testing
