// lp::RpcError: the one exception of the RPC layer.
//
// Inside the library every failure is an absl::Status. Only at the user-facing edge
// (lp::Future<T>::Get) is a failed status turned into this exception, so that user code
// can write `int x = future.Get();` and let errors propagate like any C++ error.
#ifndef LP_RPC_ERROR_H_
#define LP_RPC_ERROR_H_

#include <stdexcept>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
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
        message_(status_.message()),
        method_(std::move(method)) {}

  absl::StatusCode code() const { return status_.code(); }
  // The status message alone (no code, no method name). A std::string, not a
  // std::string_view: absl::StrCat takes absl::string_view, which in Debian's Abseil is
  // its own class that a std::string_view does not convert to; a std::string converts to
  // both.
  const std::string& message() const { return message_; }
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
  std::string message_;  // status_.message(), copied once
  std::string method_;
};

// The error of a call that ended because its program is stopping: a call in flight when
// the stop began (it is cancelled), or one started after it (it fails at once). Its code
// is CANCELLED; its message names the program and the node called. A node that lets this
// escape from Run() after the stop began has ended cleanly: it is not reported as failed.
//
// Thread safety: immutable after construction; safe to read from any thread.
class ProgramStoppedError : public RpcError {
 public:
  using RpcError::RpcError;
};

namespace internal {

// Marks a Status as "the program is stopping" (ProgramStoppedError), so that the mark
// survives being passed through futures and callbacks as a plain absl::Status.
inline constexpr char kProgramStoppedPayload[] = "type.launchpad-cpp/lp.ProgramStopped";

}  // namespace internal

// A CANCELLED status that says the program `program` is stopping and the call to `node`
// ("learner/0"; empty when unknown) will not be made or finished.
inline absl::Status ProgramStoppedStatus(absl::string_view program, absl::string_view node) {
  absl::Status status = absl::CancelledError(absl::StrCat(
      "program '", program, "' is stopping", node.empty() ? "" : "; calls to node ", node,
      node.empty() ? "" : " are cancelled"));
  status.SetPayload(internal::kProgramStoppedPayload, absl::Cord("1"));
  return status;
}

// Whether `status` is a ProgramStoppedStatus.
inline bool IsProgramStopped(const absl::Status& status) {
  return status.GetPayload(internal::kProgramStoppedPayload).has_value();
}

// Throws the exception for a failed call: ProgramStoppedError when the program is
// stopping, RpcError otherwise. `status` must not be OK.
[[noreturn]] inline void ThrowRpcError(absl::Status status, std::string method = "") {
  if (IsProgramStopped(status)) throw ProgramStoppedError(std::move(status), std::move(method));
  throw RpcError(std::move(status), std::move(method));
}

}  // namespace lp

#endif  // LP_RPC_ERROR_H_
