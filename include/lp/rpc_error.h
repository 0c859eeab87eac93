// lp::RpcError: the one exception of the RPC layer.
//
// Inside the library every failure is an absl::Status. Only at the user-facing edge
// (lp::Future<T>::Get) is a failed status turned into this exception, so that user code
// can write `int x = future.Get();` and let errors propagate like any C++ error.
#ifndef LP_RPC_ERROR_H_
#define LP_RPC_ERROR_H_

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace lp {

// A failed remote call. Carries the status code, the status message exactly as the
// server (or the transport) produced it, and the method name when known.
// what() reads e.g. "Courier call 'Add' failed: NOT_FOUND: No Courier method 'Add'...".
//
// Thread safety: immutable after construction; safe to read from any thread.
class RpcError : public std::runtime_error {
 public:
  explicit RpcError(absl::Status status, std::string method = "")
      : std::runtime_error(Describe(status, method)),
        status_(std::move(status)),
        method_(std::move(method)) {}

  absl::StatusCode code() const { return status_.code(); }
  // The status message alone (no code, no method name).
  std::string_view message() const {
    return std::string_view(status_.message().data(), status_.message().size());
  }
  // The method that was called; empty when unknown.
  const std::string& method() const { return method_; }
  const absl::Status& status() const { return status_; }

 private:
  static std::string Describe(const absl::Status& status, const std::string& method) {
    std::string text = method.empty() ? std::string("Courier call failed: ")
                                      : absl::StrCat("Courier call '", method, "' failed: ");
    absl::StrAppend(&text, absl::StatusCodeToString(status.code()), ": ", status.message());
    return text;
  }

  absl::Status status_;
  std::string method_;
};

}  // namespace lp

#endif  // LP_RPC_ERROR_H_
