#ifndef LP_TESTS_SUPPORT_TEST_CERTIFICATES_H_
#define LP_TESTS_SUPPORT_TEST_CERTIFICATES_H_

// TLS files for tests, made by scripts/tls/make_certs.sh (what users run too): a CA and a
// node certificate signed by it, naming kTestServerName, localhost and 127.0.0.1.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lp/tls.h"

namespace lp::testing {

inline constexpr char kTestServerName[] = "lp-node";

// Runs make_certs.sh into `dir` (created), with `extra` arguments (e.g. {"--ip",
// "10.0.0.1"}), and returns the options that use its files, with server_name empty.
// FailedPrecondition with the script's output when it fails.
absl::StatusOr<TlsOptions> MakeTestCertificates(const std::string& dir,
                                                const std::vector<std::string>& extra = {});

// The --lp_tls_* flags that give `options` to a program.
std::vector<std::string> TlsFlags(const TlsOptions& options);

}  // namespace lp::testing

#endif  // LP_TESTS_SUPPORT_TEST_CERTIFICATES_H_
