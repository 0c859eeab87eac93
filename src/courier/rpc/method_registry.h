// MethodRegistry: the server's table of named methods and the rules for calling them.
//
// Kept free of gRPC so that the error semantics (unknown method, keyword arguments,
// exceptions, status prefixes) are in one place and easy to read.
#ifndef LP_SRC_COURIER_RPC_METHOD_REGISTRY_H_
#define LP_SRC_COURIER_RPC_METHOD_REGISTRY_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "courier/courier.pb.h"
#include "lp/courier_server_options.h"
#include "lp/internal/courier_handler.h"
#include "src/courier/rpc/hold_record.h"

namespace lp::rpc {

// Thread safety: Add() is not thread-safe and must happen before any Dispatch() (the
// server only allows registration before Start, and Start happens-before every call).
// After that the registry is read-only and Dispatch()/Names() may run concurrently; only
// the methods' HoldRecords change, and they are thread-safe.
class MethodRegistry {
 public:
  // ALREADY_EXISTS if `name` is taken, INVALID_ARGUMENT if it is empty or the handler null.
  absl::Status Add(std::string name, CourierHandler handler, CourierMethodOptions options = {});
  // The same for a deferred handler. With options.run_inline, its calls are taken on
  // arrival (see ServedOnArrival): the handler's take step (decode the call, park it) runs
  // outside the bound of handler threads and must not block; the call ends on whatever
  // thread completes it.
  absl::Status Add(std::string name, DeferredCourierHandler handler,
                   CourierMethodOptions options = {});

  // A deferred method's requests up to this size are taken on arrival (see ServedOnArrival).
  static constexpr std::size_t kDeferredOnArrivalMaxBytes = 64 * 1024;

  // Whether a call of `method` with a request of `request_bytes` is served at once by the
  // thread that took it off gRPC's queue, even when every handler thread is busy, rather
  // than counted against them: when the method was registered with options.run_inline and,
  // for a deferred method, the request is at most kDeferredOnArrivalMaxBytes. A deferred
  // method only takes the call there (decodes it and parks it, e.g. in its batch); a
  // larger request's parse is real work, and counts as a handler's.
  bool ServedOnArrival(const std::string& method, std::size_t request_bytes) const {
    return HowServedOnArrival(method, request_bytes) != OnArrival::kNo;
  }
  // The same, saying how: kRun, an inline method's handler runs there; kTake, a deferred
  // method's handler takes the call there.
  enum class OnArrival { kNo, kRun, kTake };
  OnArrival HowServedOnArrival(const std::string& method, std::size_t request_bytes) const {
    return ArrivalOf(method, [request_bytes] { return request_bytes; }).how;
  }
  // What the thread that takes a call of `method` needs to know before it runs it: how it
  // is served on arrival, and for a call that is not (its handler may block), the method's
  // HoldRecord (null for an unknown method). `request_bytes` is asked only for a deferred
  // inline method.
  struct Arrival {
    OnArrival how = OnArrival::kNo;
    HoldRecord* hold = nullptr;
  };
  Arrival ArrivalOf(const std::string& method,
                    absl::FunctionRef<std::size_t()> request_bytes) const;

  // Runs `method` on `args`, writing its result into `*result`, and tells `done` how it
  // ended: before Dispatch returns, unless the method is deferred and took the call.
  // Errors:
  //   NOT_FOUND         no such method; the message lists the available ones.
  //   INVALID_ARGUMENT  keyword arguments were sent (Python callers can do that); C++
  //                     methods take positional arguments only. The message names them.
  //   UNKNOWN           the handler threw; the message has the method and what().
  //   <handler's code>  the handler returned an error; its message is prefixed with
  //                     "Courier method '<name>': ".
  void Dispatch(const std::string& method, courier::CallArguments& args,
                courier::SerializedObject* result, CallDone done) const;

  // Registered method names, sorted.
  std::vector<std::string> Names() const;

 private:
  // Exactly one of the two handlers is set.
  struct Method {
    CourierHandler handler;
    DeferredCourierHandler deferred;
    bool run_inline = false;
    // Whether its calls may keep the server's queue (written to while it serves).
    std::unique_ptr<HoldRecord> hold = std::make_unique<HoldRecord>();
  };

  absl::Status Add(std::string name, Method method);

  absl::flat_hash_map<std::string, Method> methods_;
};

}  // namespace lp::rpc

#endif  // LP_SRC_COURIER_RPC_METHOD_REGISTRY_H_
